"""A tiny shop: one Python module and one Markdown guide, for tests that need a small
corpus with both code and prose."""

from pathlib import Path

CART = '''"""A shopping cart."""


class Cart:
    """Items a customer is about to buy."""

    def __init__(self):
        self.items = []

    def add_item(self, name, price):
        self.items.append((name, price))

    def total(self):
        return sum(price for _, price in self.items)
'''

GUIDE = """# Guide

## Install

Run `pip install shop` to install the shop.

## Usage

Create a `Cart`, add items to it and ask for the total.
"""


def write_shop(root: Path) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "cart.py").write_text(CART)
    (root / "guide.md").write_text(GUIDE)
    return root
