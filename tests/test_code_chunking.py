"""Code chunking: tree-sitter segments packed into budget-sized chunks, in every language with a
grammar (the samples of the later ones live in the ``code_samples_*`` modules)."""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor

import code_samples_build as build
import code_samples_dialects as dialects
import code_samples_extended as extended
import code_samples_functional as functional
import code_samples_hardware_lisp as hardware_lisp
import code_samples_jvm_apple as jvm_apple
import code_samples_pascal_ada as pascal_ada
import code_samples_scripting as scripting
import pytest

from indexers.chunk import Chunk, TokenCounter
from indexers.chunking import chunk_text
from indexers.code import LANGUAGES, segmenter
from indexers.languages import detect_language
from indexers.packing import Segment, check_partition


def chunk(source: str, language: str, budget: int, count: TokenCounter) -> list[Chunk]:
    return chunk_text(source, f"sample.{language}", language, budget, count)


def assert_exact(source: str, chunks: list[Chunk]) -> None:
    """Chunks rebuild the source; byte and line coordinates agree with their text."""
    assert "".join(c.text for c in chunks) == source
    data = source.encode("utf-8")
    position = 0
    for c in chunks:
        assert data[c.start_byte : c.end_byte] == c.text.encode("utf-8")
        assert c.start_line == source.count("\n", 0, position) + 1
        last = position + len(c.text) - 1  # the line of the chunk's last character
        assert c.end_line == source.count("\n", 0, last) + 1
        position += len(c.text)


def pairs(chunks: list[Chunk]) -> set[tuple[str, str | None]]:
    return {(c.kind, c.symbol) for c in chunks}


def definitions(segments: list[Segment], depth: int = 4) -> set[tuple[str, str | None]]:
    """(kind, symbol) of every definition segment, members of containers included."""
    found: set[tuple[str, str | None]] = set()
    for segment in segments:
        if not segment.mergeable:
            found.add((segment.kind, segment.symbol))
            if segment.children and depth:
                found |= definitions(segment.children(), depth - 1)
    return found


PYTHON_SOURCE = r'''"""Inventory management: products, stock levels and reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

LOW_STOCK = 5
logger = logging.getLogger(__name__)


@dataclass
class Product:
    """A product that can be stocked."""

    sku: str
    name: str
    price: float = 0.0
    tags: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"{self.name} ({self.sku})"


class Inventory:
    """Stock levels per product."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}
        self._products: dict[str, Product] = {}

    def add(self, product: Product, quantity: int = 1) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._products[product.sku] = product
        self._stock[product.sku] = self._stock.get(product.sku, 0) + quantity
        logger.info("added %d x %s", quantity, product.label())

    def remove(self, sku: str, quantity: int = 1) -> None:
        available = self._stock.get(sku, 0)
        if quantity > available:
            raise ValueError(f"only {available} left of {sku}")
        self._stock[sku] = available - quantity

    # Reporting helpers.
    @property
    def low_stock(self) -> list[Product]:
        return [self._products[sku] for sku, n in self._stock.items() if n < LOW_STOCK]

    class Report:
        def render(self, inventory: Inventory) -> str:
            return "\n".join(p.label() for p in inventory.low_stock)


def total_value(inventory: Inventory) -> float:
    """Value of everything in stock."""
    return sum(
        inventory._products[sku].price * count for sku, count in inventory._stock.items()
    )


async def refresh(inventory: Inventory, source) -> int:
    rows = await source.fetch()
    for row in rows:
        inventory.add(Product(row["sku"], row["name"]), row["count"])
    return len(rows)


if __name__ == "__main__":
    demo = Inventory()
    demo.add(Product("A1", "Anvil", 99.0), 3)
    print(total_value(demo))
'''

JAVASCRIPT_SOURCE = r"""// Shopping cart utilities.
import { formatPrice } from "./format.js";
import logger from "./logger.js";

const TAX_RATE = 0.2;
let instances = 0;

/**
 * A shopping cart holding line items.
 */
export class Cart {
  items = [];

  constructor(owner) {
    this.owner = owner;
    instances += 1;
  }

  add(item, quantity = 1) {
    const existing = this.items.find((line) => line.item.id === item.id);
    if (existing) {
      existing.quantity += quantity;
    } else {
      this.items.push({ item, quantity });
    }
    logger.info(`added ${item.name}`);
  }

  total() {
    return this.items.reduce(
      (sum, line) => sum + line.item.price * line.quantity,
      0,
    ) * (1 + TAX_RATE);
  }

  static empty(owner) {
    return new Cart(owner);
  }
}

export function describe(cart) {
  const lines = cart.items.map((line) => `${line.quantity} x ${line.item.name}`);
  return lines.join("\n") + "\nTotal: " + formatPrice(cart.total());
}

export const discount = (cart, percent) => {
  const factor = 1 - percent / 100;
  return cart.total() * factor;
};

const legacyTotal = function (cart) {
  return cart.total();
};

function* lineIds(cart) {
  for (const line of cart.items) {
    yield line.item.id;
  }
}

export default Cart;
"""

TYPESCRIPT_SOURCE = r"""import { Injectable } from "@angular/core";
import type { User } from "./models";

export type UserId = string | number;

export interface Repository<T> {
  find(id: UserId): Promise<T | undefined>;
  save(entity: T): Promise<void>;
}

export enum Role {
  Admin = "admin",
  Member = "member",
}

/** Caches users in memory. */
@Injectable()
export class UserService implements Repository<User> {
  private readonly cache = new Map<UserId, User>();

  constructor(private readonly api: Api) {}

  async find(id: UserId): Promise<User | undefined> {
    if (this.cache.has(id)) {
      return this.cache.get(id);
    }
    const user = await this.api.get<User>(`/users/${id}`);
    this.cache.set(id, user);
    return user;
  }

  @Log()
  async save(user: User): Promise<void> {
    await this.api.put(`/users/${user.id}`, user);
    this.cache.set(user.id, user);
  }
}

export namespace Validation {
  export function isEmail(value: string): boolean {
    return /^[^@]+@[^@]+$/.test(value);
  }
}

export const greet = (user: User): string => `Hello, ${user.name}!`;

export function hasRole(user: User, role: Role): boolean {
  return user.roles.includes(role);
}

const DEFAULT_PAGE_SIZE = 20;
export default UserService;
"""

TSX_SOURCE = r"""import React, { useState } from "react";
import type { Todo } from "./types";

type Props = { initial: Todo[]; title?: string };

const EMPTY_MESSAGE = "Nothing to do!";

export function TodoList({ initial, title = "Todos" }: Props) {
  const [todos, setTodos] = useState<Todo[]>(initial);
  const remaining = todos.filter((todo) => !todo.done).length;

  const toggle = (id: number) =>
    setTodos((current) =>
      current.map((todo) => (todo.id === id ? { ...todo, done: !todo.done } : todo)),
    );

  if (todos.length === 0) {
    return <p className="empty">{EMPTY_MESSAGE}</p>;
  }
  return (
    <section>
      <h2>
        {title} ({remaining} left)
      </h2>
      <ul>
        {todos.map((todo) => (
          <TodoItem key={todo.id} todo={todo} onToggle={toggle} />
        ))}
      </ul>
    </section>
  );
}

export const TodoItem = ({ todo, onToggle }: ItemProps) => (
  <li onClick={() => onToggle(todo.id)} className={todo.done ? "done" : ""}>
    {todo.text}
  </li>
);

interface ItemProps {
  todo: Todo;
  onToggle: (id: number) => void;
}

export class ErrorBoundary extends React.Component<{ children: React.ReactNode }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    return this.state.failed ? <p>Something broke.</p> : this.props.children;
  }
}

export default TodoList;
"""

GO_SOURCE = r"""// Package server serves the inventory API.
package server

import (
	"encoding/json"
	"net/http"
	"sync"
)

const defaultLimit = 50

var ErrNotFound = errors.New("not found")

// Item is one inventory entry.
type Item struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Store persists items.
type Store interface {
	Get(id string) (Item, error)
	Put(item Item) error
}

// Server handles HTTP requests.
type Server struct {
	mu    sync.Mutex
	store Store
}

// NewServer builds a server around a store.
func NewServer(store Store) *Server {
	return &Server{store: store}
}

// ServeHTTP dispatches on the method.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		s.get(w, r)
	case http.MethodPut:
		s.put(w, r)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	item, err := s.store.Get(r.URL.Query().Get("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(item)
}

func (s Server) put(w http.ResponseWriter, r *http.Request) {
	var item Item
	if err := json.NewDecoder(r.Body).Decode(&item); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.store.Put(item)
}
"""

RUST_SOURCE = r"""//! A tiny key-value store.
use std::collections::HashMap;
use std::fmt;

const MAX_KEYS: usize = 1024;

/// Errors the store can report.
#[derive(Debug, PartialEq)]
pub enum StoreError {
    Full,
    Missing(String),
}

/// An in-memory store.
#[derive(Default)]
pub struct Store {
    entries: HashMap<String, String>,
    hits: u64,
}

pub trait Describe {
    fn describe(&self) -> String;
}

impl Store {
    /// Creates an empty store.
    pub fn new() -> Self {
        Store { entries: HashMap::new(), hits: 0 }
    }

    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if self.entries.len() >= MAX_KEYS {
            return Err(StoreError::Full);
        }
        self.entries.insert(key.to_string(), value.to_string());
        Ok(())
    }

    pub fn get(&mut self, key: &str) -> Result<&String, StoreError> {
        self.hits += 1;
        self.entries
            .get(key)
            .ok_or_else(|| StoreError::Missing(key.to_string()))
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Store({} entries, {} hits)", self.entries.len(), self.hits)
    }
}

pub fn merge(left: &Store, right: &Store) -> Store {
    let mut out = Store::new();
    for (key, value) in left.entries.iter().chain(right.entries.iter()) {
        out.entries.insert(key.clone(), value.clone());
    }
    out
}

mod tests {
    use super::*;

    #[test]
    fn insert_then_get() {
        let mut store = Store::new();
        store.insert("a", "1").unwrap();
        assert_eq!(store.get("a").unwrap(), "1");
    }
}
"""

JAVA_SOURCE = r"""package com.example.library;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A library lending books to members.
 */
@Service
public class Library {
    private final List<Book> books = new ArrayList<>();
    private int loans;

    public Library(List<Book> initial) {
        books.addAll(initial);
    }

    /** Finds a book by its title. */
    public Optional<Book> find(String title) {
        for (Book book : books) {
            if (book.title().equalsIgnoreCase(title)) {
                return Optional.of(book);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "Library(" + books.size() + " books, " + loans + " loans)";
    }

    static class Shelf {
        private final String label;

        Shelf(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }
}

interface Catalog {
    List<Book> search(String query);

    default int count() {
        return search("").size();
    }
}

enum Genre {
    FICTION, SCIENCE, HISTORY;

    String display() {
        return name().charAt(0) + name().substring(1).toLowerCase();
    }
}

record Book(String title, String author, Genre genre) {
    Book {
        if (title == null) {
            throw new IllegalArgumentException("title");
        }
    }
}
"""

C_SOURCE = r"""/* ring.c - a fixed-size ring buffer. */
#include <stdlib.h>
#include <string.h>

#define RING_CAPACITY 64

typedef unsigned char byte;

/* One ring buffer. */
typedef struct {
    byte data[RING_CAPACITY];
    size_t head;
    size_t tail;
    size_t count;
} Ring;

struct stats {
    unsigned long pushes;
    unsigned long pops;
};

enum ring_status { RING_OK, RING_FULL, RING_EMPTY };

static struct stats global_stats;

Ring *ring_new(void) {
    Ring *ring = malloc(sizeof(Ring));
    if (ring == NULL) {
        return NULL;
    }
    memset(ring, 0, sizeof(Ring));
    return ring;
}

enum ring_status ring_push(Ring *ring, byte value) {
    if (ring->count == RING_CAPACITY) {
        return RING_FULL;
    }
    ring->data[ring->tail] = value;
    ring->tail = (ring->tail + 1) % RING_CAPACITY;
    ring->count++;
    global_stats.pushes++;
    return RING_OK;
}

enum ring_status ring_pop(Ring *ring, byte *out) {
    if (ring->count == 0) {
        return RING_EMPTY;
    }
    *out = ring->data[ring->head];
    ring->head = (ring->head + 1) % RING_CAPACITY;
    ring->count--;
    global_stats.pops++;
    return RING_OK;
}

#ifdef RING_DEBUG
void ring_dump(const Ring *ring) {
    for (size_t i = 0; i < ring->count; i++) {
        printf("%u ", ring->data[(ring->head + i) % RING_CAPACITY]);
    }
}
#endif

void ring_free(Ring *ring) { free(ring); }
"""

CPP_SOURCE = r"""// geometry.cpp - shapes and their areas.
#include <cmath>
#include <memory>
#include <vector>

namespace geo {

constexpr double kPi = 3.14159265358979;

// Base class of every shape.
class Shape {
 public:
  virtual ~Shape() = default;
  virtual double area() const = 0;

  std::string describe() const {
    return name() + " with area " + std::to_string(area());
  }

 protected:
  virtual std::string name() const = 0;
};

class Circle : public Shape {
 public:
  explicit Circle(double radius) : radius_(radius) {}
  double area() const override;

 private:
  std::string name() const override { return "circle"; }
  double radius_;
};

double Circle::area() const {
  return kPi * radius_ * radius_;
}

template <typename T>
T clamp(T value, T low, T high) {
  if (value < low) {
    return low;
  }
  return value > high ? high : value;
}

struct Point {
  double x;
  double y;
};

}  // namespace geo

double total_area(const std::vector<std::unique_ptr<geo::Shape>>& shapes) {
  double total = 0;
  for (const auto& shape : shapes) {
    total += shape->area();
  }
  return total;
}

int main() {
  std::vector<std::unique_ptr<geo::Shape>> shapes;
  shapes.push_back(std::make_unique<geo::Circle>(2.0));
  return total_area(shapes) > 0 ? 0 : 1;
}
"""

CSHARP_SOURCE = r"""using System;
using System.Collections.Generic;
using System.Linq;

namespace Billing.Invoices
{
    /// <summary>A line on an invoice.</summary>
    public record InvoiceLine(string Product, int Quantity, decimal UnitPrice);

    public enum InvoiceState { Draft, Sent, Paid }

    public interface IInvoiceRepository
    {
        Invoice Find(Guid id);
        void Save(Invoice invoice);
    }

    [Serializable]
    public class Invoice
    {
        private readonly List<InvoiceLine> _lines = new();

        public Guid Id { get; } = Guid.NewGuid();
        public InvoiceState State { get; private set; } = InvoiceState.Draft;

        public Invoice(IEnumerable<InvoiceLine> lines)
        {
            _lines.AddRange(lines);
        }

        public decimal Total()
        {
            return _lines.Sum(line => line.Quantity * line.UnitPrice);
        }

        public void MarkPaid()
        {
            if (State != InvoiceState.Sent)
            {
                throw new InvalidOperationException("Only sent invoices can be paid.");
            }
            State = InvoiceState.Paid;
        }
    }

    public struct Money
    {
        public decimal Amount;
        public string Currency;
    }
}
"""

RUBY_SOURCE = r"""# frozen_string_literal: true

require "json"
require_relative "errors"

DEFAULT_TIMEOUT = 30

module Shipping
  # Computes shipping rates.
  class RateCalculator
    attr_reader :zones

    def initialize(zones)
      @zones = zones
      @cache = {}
    end

    def rate_for(weight, zone)
      raise ArgumentError, "negative weight" if weight.negative?

      @cache[[weight, zone]] ||= begin
        base = zones.fetch(zone) { raise UnknownZone, zone }
        base * weight * 1.1
      end
    end

    def self.from_json(text)
      new(JSON.parse(text))
    end

    class << self
      def default
        new("domestic" => 1.0)
      end
    end

    private

    def round(value)
      value.round(2)
    end
  end

  def self.version
    "1.0"
  end
end

def ship(order)
  calculator = Shipping::RateCalculator.default
  order.items.sum { |item| calculator.rate_for(item.weight, order.zone) }
end

puts ship(ARGV.first) if $PROGRAM_NAME == __FILE__
"""

PHP_SOURCE = r"""<?php

declare(strict_types=1);

namespace App\Billing;

use App\Models\Customer;
use InvalidArgumentException;

const DEFAULT_CURRENCY = 'EUR';

interface PriceFormatter
{
    public function format(int $cents): string;
}

/**
 * Applies discounts to carts.
 */
#[Service]
final class DiscountService implements PriceFormatter
{
    use LogsActivity;

    private const MAX_PERCENT = 90;

    public function __construct(private readonly Customer $customer)
    {
    }

    public function apply(int $cents, int $percent): int
    {
        if ($percent < 0 || $percent > self::MAX_PERCENT) {
            throw new InvalidArgumentException("bad percent: $percent");
        }
        $this->log("discount {$percent}% for {$this->customer->name}");
        return intdiv($cents * (100 - $percent), 100);
    }

    public function format(int $cents): string
    {
        return sprintf('%s %.2f', DEFAULT_CURRENCY, $cents / 100);
    }
}

trait LogsActivity
{
    protected function log(string $message): void
    {
        error_log($message);
    }
}

function loyalty_percent(Customer $customer): int
{
    return min(20, $customer->years * 2);
}

$service = new DiscountService(new Customer('Ada'));
echo $service->format($service->apply(1000, loyalty_percent($service)));
"""

BASH_SOURCE = r"""#!/usr/bin/env bash
# deploy.sh - build and ship the application.
set -euo pipefail

readonly APP_NAME="shop"
DEPLOY_DIR="${DEPLOY_DIR:-/srv/${APP_NAME}}"

# Print a message with a timestamp.
log() {
  printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

function build {
  log "building ${APP_NAME}"
  if [[ -f package.json ]]; then
    npm ci
    npm run build
  else
    make all
  fi
}

deploy() {
  local target="$1"
  log "deploying to ${target}"
  for file in dist/*; do
    scp "$file" "${target}:${DEPLOY_DIR}/"
  done
  ssh "$target" "systemctl restart ${APP_NAME}"
}

usage() {
  cat <<USAGE
Usage: $0 <host>
USAGE
}

if [[ $# -lt 1 ]]; then
  usage
  exit 1
fi

build
deploy "$1"
log "done"
"""

SOURCES: dict[str, str] = {
    "python": PYTHON_SOURCE,
    "javascript": JAVASCRIPT_SOURCE,
    "typescript": TYPESCRIPT_SOURCE,
    "tsx": TSX_SOURCE,
    "go": GO_SOURCE,
    "rust": RUST_SOURCE,
    "java": JAVA_SOURCE,
    "c": C_SOURCE,
    "cpp": CPP_SOURCE,
    "csharp": CSHARP_SOURCE,
    "ruby": RUBY_SOURCE,
    "php": PHP_SOURCE,
    "bash": BASH_SOURCE,
    **jvm_apple.SOURCES,
    **functional.SOURCES,
    **scripting.SOURCES,
    **extended.SOURCES,
    **build.SOURCES,
    **hardware_lisp.SOURCES,
    **dialects.SOURCES,
    **pascal_ada.SOURCES,
}

#: Top-level definitions, each one whole chunk when the budget is generous.
TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "python": {
        ("class", "Product"),
        ("class", "Inventory"),
        ("function", "total_value"),
        ("function", "refresh"),
    },
    "javascript": {
        ("class", "Cart"),
        ("function", "describe"),
        ("function", "discount"),
        ("function", "legacyTotal"),
        ("function", "lineIds"),
    },
    "typescript": {
        ("type", "UserId"),
        ("interface", "Repository"),
        ("enum", "Role"),
        ("class", "UserService"),
        ("namespace", "Validation"),
        ("function", "greet"),
        ("function", "hasRole"),
    },
    "tsx": {
        ("type", "Props"),
        ("function", "TodoList"),
        ("function", "TodoItem"),
        ("interface", "ItemProps"),
        ("class", "ErrorBoundary"),
    },
    "go": {
        ("struct", "Item"),
        ("interface", "Store"),
        ("struct", "Server"),
        ("function", "NewServer"),
        ("method", "Server.ServeHTTP"),
        ("method", "Server.get"),
        ("method", "Server.put"),
    },
    "rust": {
        ("enum", "StoreError"),
        ("struct", "Store"),
        ("trait", "Describe"),
        ("impl", "Store"),
        ("function", "merge"),
        ("namespace", "tests"),
    },
    "java": {
        ("class", "Library"),
        ("interface", "Catalog"),
        ("enum", "Genre"),
        ("class", "Book"),
    },
    "c": {
        ("struct", "Ring"),
        ("struct", "stats"),
        ("enum", "ring_status"),
        ("function", "ring_new"),
        ("function", "ring_push"),
        ("function", "ring_pop"),
        ("function", "ring_dump"),
        ("function", "ring_free"),
    },
    "cpp": {("namespace", "geo"), ("function", "total_area"), ("function", "main")},
    "csharp": {("namespace", "Billing.Invoices")},
    "ruby": {("namespace", "Shipping"), ("function", "ship")},
    "php": {
        ("interface", "App.Billing.PriceFormatter"),
        ("class", "App.Billing.DiscountService"),
        ("trait", "App.Billing.LogsActivity"),
        ("function", "App.Billing.loyalty_percent"),
    },
    "bash": {
        ("function", "log"),
        ("function", "build"),
        ("function", "deploy"),
        ("function", "usage"),
    },
    **jvm_apple.TOP_LEVEL,
    **functional.TOP_LEVEL,
    **scripting.TOP_LEVEL,
    **extended.TOP_LEVEL,
    **build.TOP_LEVEL,
    **hardware_lisp.TOP_LEVEL,
    **dialects.TOP_LEVEL,
    **pascal_ada.TOP_LEVEL,
}

#: Members that get chunks of their own once their container no longer fits.
MEMBERS: dict[str, set[tuple[str, str]]] = {
    "python": {
        ("method", "Product.label"),
        ("method", "Inventory.__init__"),
        ("method", "Inventory.add"),
        ("method", "Inventory.remove"),
        ("method", "Inventory.low_stock"),
        ("class", "Inventory.Report"),
    },
    "javascript": {
        ("method", "Cart.constructor"),
        ("method", "Cart.add"),
        ("method", "Cart.total"),
        ("method", "Cart.empty"),
    },
    "typescript": {
        ("method", "UserService.constructor"),
        ("method", "UserService.find"),
        ("method", "UserService.save"),
        ("function", "Validation.isEmail"),
    },
    "tsx": {
        ("method", "ErrorBoundary.getDerivedStateFromError"),
        ("method", "ErrorBoundary.render"),
    },
    "go": {("method", "Server.ServeHTTP")},
    "rust": {
        ("method", "Store.new"),
        ("method", "Store.insert"),
        ("method", "Store.get"),
        ("method", "Store.fmt"),
        ("function", "tests.insert_then_get"),
    },
    "java": {
        ("method", "Library.Library"),
        ("method", "Library.find"),
        ("method", "Library.toString"),
        ("class", "Library.Shelf"),
        ("method", "Genre.display"),
    },
    "c": {("function", "ring_push")},
    "cpp": {
        ("class", "geo.Shape"),
        ("method", "geo.Shape.describe"),
        ("class", "geo.Circle"),
        ("method", "geo.Circle.name"),
        ("function", "geo.Circle.area"),
        ("function", "geo.clamp"),
        ("struct", "geo.Point"),
    },
    "csharp": {
        ("class", "Billing.Invoices.InvoiceLine"),
        ("enum", "Billing.Invoices.InvoiceState"),
        ("interface", "Billing.Invoices.IInvoiceRepository"),
        ("method", "Billing.Invoices.Invoice.Invoice"),
        ("method", "Billing.Invoices.Invoice.Total"),
        ("method", "Billing.Invoices.Invoice.MarkPaid"),
        ("struct", "Billing.Invoices.Money"),
    },
    "ruby": {
        ("class", "Shipping.RateCalculator"),
        ("method", "Shipping.RateCalculator.initialize"),
        ("method", "Shipping.RateCalculator.rate_for"),
        ("method", "Shipping.RateCalculator.from_json"),
        ("method", "Shipping.RateCalculator.default"),
        ("method", "Shipping.RateCalculator.round"),
        ("function", "Shipping.version"),
    },
    "php": {
        ("method", "App.Billing.DiscountService.__construct"),
        ("method", "App.Billing.DiscountService.apply"),
        ("method", "App.Billing.DiscountService.format"),
    },
    "bash": {("function", "deploy")},
    **jvm_apple.MEMBERS,
    **functional.MEMBERS,
    **scripting.MEMBERS,
    **extended.MEMBERS,
    **build.MEMBERS,
    **hardware_lisp.MEMBERS,
    **dialects.MEMBERS,
    **pascal_ada.MEMBERS,
}


def test_every_language_has_a_sample() -> None:
    assert set(SOURCES) == set(LANGUAGES) == set(TOP_LEVEL) == set(MEMBERS)


@pytest.mark.parametrize(
    ("path", "first_line", "language"),
    [
        ("app/src/Order.kt", "", "kotlin"),
        ("build.gradle.kts", "", "kotlin"),
        ("Source/Session.swift", "", "swift"),
        ("core/Decoder.scala", "", "scala"),
        ("Cart/CartItem.m", "", "objc"),
        ("src/XMonad/Core.hs", "", "haskell"),
        ("lib/inventory.ml", "", "ocaml"),
        ("lib/inventory.mli", "", "ocaml_interface"),
        ("lib/plug/conn.ex", "", "elixir"),
        ("test/conn_test.exs", "", "elixir"),
        ("lua/lazy/init.lua", "", "lua"),
        ("lib/Shop/Cart.pm", "", "perl"),
        ("bin/deploy", "#!/usr/bin/env perl", "perl"),
        ("src/Shapes.jl", "", "julia"),
        ("clap.zig", "", "zig"),
        ("db/schema.sql", "", "sql"),
        ("infra/main.tf", "", "hcl"),
        ("infra/main.bicep", "", "bicep"),
        ("src/Cart.fs", "", "fsharp"),
        ("kernels/add.cu", "", "cuda"),
        ("shaders/light.frag", "", "glsl"),
        ("contracts/Token.sol", "", "solidity"),
        ("deploy/Deploy.ps1", "", "powershell"),
        ("tools/defs.bzl", "", "starlark"),
        ("app/BUILD", "", "starlark"),
        ("scenes/player.gd", "", "gdscript"),
        ("src/shapes.f90", "", "fortran"),
        ("GNUmakefile", "", "make"),
        ("CMakeLists.txt", "", "cmake"),
        ("src/shop.odin", "", "odin"),
        ("rtl/counter.sv", "", "verilog"),
        ("rtl/counter.vhd", "", "vhdl"),
        ("src/cart.lisp", "", "commonlisp"),
        ("src/Cart.luau", "", "luau"),
        ("shaders/lit.hlsl", "", "hlsl"),
        ("blink/blink.ino", "", "arduino"),
        ("src/carts.adb", "", "ada"),
        ("src/Carts.pas", "", "pascal"),
    ],
)
def test_file_names_reach_their_grammar(path: str, first_line: str, language: str) -> None:
    assert detect_language(path, first_line) == language
    assert language in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_segments_partition_and_start_lines(language: str) -> None:
    source = SOURCES[language]
    segments = segmenter(language)(source)
    check_partition(segments, 0, len(source))
    for segment in segments[1:]:
        assert source[segment.start - 1] == "\n", segment


@pytest.mark.parametrize("budget", [24, 64, 256, 4096])
@pytest.mark.parametrize("language", LANGUAGES)
def test_chunks_rebuild_source_within_budget(
    language: str, budget: int, minilm_count: TokenCounter
) -> None:
    source = SOURCES[language]
    chunks = chunk(source, language, budget, minilm_count)
    assert_exact(source, chunks)
    for c in chunks:
        assert c.token_count == minilm_count(c.text) <= budget


@pytest.mark.parametrize("language", LANGUAGES)
def test_small_definitions_stay_whole(language: str, minilm_count: TokenCounter) -> None:
    source = SOURCES[language]
    chunks = chunk(source, language, 4096, minilm_count)
    found = [(c.kind, c.symbol) for c in chunks if c.kind != "module"]
    assert set(found) == TOP_LEVEL[language]
    # Definitions that fit are one chunk each (Rust has two `impl Store` blocks).
    assert len(found) == len(set(found)) + (language == "rust")
    assert all(c.symbol is None for c in chunks if c.kind == "module")


@pytest.mark.parametrize("language", LANGUAGES)
def test_small_budget_gives_members_their_own_chunks(
    language: str, minilm_count: TokenCounter
) -> None:
    chunks = chunk(SOURCES[language], language, 32, minilm_count)
    assert pairs(chunks) >= MEMBERS[language]
    assert definitions(segmenter(language)(SOURCES[language])) >= MEMBERS[language]


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        (
            "python",
            "class Outer:\n    class Inner:\n        def m(self):\n            pass\n",
            {("class", "Outer"), ("class", "Outer.Inner"), ("method", "Outer.Inner.m")},
        ),
        ("python", "@decorator\nasync def fetch():\n    pass\n", {("function", "fetch")}),
        (
            "javascript",
            "export default function () {}\nlet f = function named() {};\n",
            {("function", None), ("function", "f")},
        ),
        (
            "javascript",
            "const Widget = class {\n  draw() {}\n};\n",
            {("class", "Widget"), ("method", "Widget.draw")},
        ),
        (
            "typescript",
            'declare module "vendor" {\n  export function load(): void;\n}\n',
            {("namespace", "vendor")},
        ),
        (
            "typescript",
            "abstract class Base {\n  abstract run(): void;\n  stop() {}\n}\n",
            {("class", "Base"), ("method", "Base.stop")},
        ),
        (
            "go",
            "package p\n\nfunc (l *List[T]) Push(v T) {}\n\ntype ID = string\n",
            {("method", "List.Push"), ("type", "ID")},
        ),
        (
            "rust",
            "impl<T: Clone> fmt::Debug for Wrapper<T> {\n    fn fmt(&self) {}\n}\n",
            {("impl", "Wrapper"), ("method", "Wrapper.fmt")},
        ),
        ("rust", "mod outer;\nunion Bits { a: u32 }\n", {("struct", "Bits")}),
        (
            "c",
            "typedef int count_t;\nstruct fwd;\nstatic int *make(void) { return 0; }\n",
            {("function", "make")},
        ),
        (
            "cpp",
            "namespace ns {\nvoid Class::method() {}\n}\n",
            {("namespace", "ns"), ("function", "ns.Class.method")},
        ),
        (
            "cpp",
            "template <typename T>\nclass Box {\n  T get() { return t; }\n  T t;\n};\n",
            {("class", "Box"), ("method", "Box.get")},
        ),
        ("cpp", 'extern "C" {\nint api(void) { return 1; }\n}\n', {("function", "api")}),
        (
            "csharp",
            "namespace Shop.Core;\n\npublic class Cart\n{\n    public Cart() {}\n}\n",
            {("class", "Shop.Core.Cart"), ("method", "Shop.Core.Cart.Cart")},
        ),
        ("java", "@interface Audit {\n  String value();\n}\n", {("interface", "Audit")}),
        (
            "ruby",
            "class A::B\n  def self.build; end\nend\n",
            {("class", "A.B"), ("method", "A.B.build")},
        ),
        (
            "php",
            "<?php\nnamespace Shop {\n    function total() {}\n}\n",
            {("namespace", "Shop"), ("function", "Shop.total")},
        ),
        (
            "bash",
            "function a {\n  :\n}\nb() ( echo sub )\n",
            {("function", "a"), ("function", "b")},
        ),
        *jvm_apple.QUALIFIED,
        *functional.QUALIFIED,
        *scripting.QUALIFIED,
        *extended.QUALIFIED,
        *build.QUALIFIED,
        *hardware_lisp.QUALIFIED,
        *dialects.QUALIFIED,
        *pascal_ada.QUALIFIED,
    ],
)
def test_qualified_symbols(
    language: str, source: str, expected: set[tuple[str, str | None]]
) -> None:
    assert definitions(segmenter(language)(source)) == expected


#: (header, statement with {i}, footer, kind, symbol) of one function per language.
BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "python": ("def big(n):\n", "    value{i} = compute({i}, n)\n", "", "function", "big"),
    "javascript": (
        "function big(n) {\n",
        "  const value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "typescript": (
        "function big(n: number): void {\n",
        "  const value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "tsx": (
        "const big = (n: number) => {\n",
        "  const value{i} = compute({i}, n);\n",
        "};\n",
        "function",
        "big",
    ),
    "go": ("func big(n int) {\n", "\tvalue{i} := compute({i}, n)\n", "}\n", "function", "big"),
    "rust": (
        "fn big(n: i32) {\n",
        "    let value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "java": (
        "class Holder {\n  void big(int n) {\n",
        "    int value{i} = compute({i}, n);\n",
        "  }\n}\n",
        "method",
        "Holder.big",
    ),
    "c": ("void big(int n) {\n", "    int value{i} = compute({i}, n);\n", "}\n", "function", "big"),
    "cpp": (
        "void big(int n) {\n",
        "    auto value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "csharp": (
        "class Holder {\n  void Big(int n) {\n",
        "    var value{i} = Compute({i}, n);\n",
        "  }\n}\n",
        "method",
        "Holder.Big",
    ),
    "ruby": ("def big(n)\n", "  value{i} = compute({i}, n)\n", "end\n", "function", "big"),
    "php": (
        "<?php\nfunction big($n) {\n",
        "    $value{i} = compute({i}, $n);\n",
        "}\n",
        "function",
        "big",
    ),
    "bash": ("big() {\n", '  value{i}=$(compute {i} "$1")\n', "}\n", "function", "big"),
    **jvm_apple.BIG_FUNCTIONS,
    **functional.BIG_FUNCTIONS,
    **scripting.BIG_FUNCTIONS,
    **extended.BIG_FUNCTIONS,
    **build.BIG_FUNCTIONS,
    **hardware_lisp.BIG_FUNCTIONS,
    **dialects.BIG_FUNCTIONS,
    **pascal_ada.BIG_FUNCTIONS,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_oversized_function_splits_at_statements(language: str, word_count: TokenCounter) -> None:
    header, statement, footer, kind, symbol = BIG_FUNCTIONS[language]
    source = header + "".join(statement.format(i=i) for i in range(60)) + footer
    chunks = chunk(source, language, 40, word_count)
    assert_exact(source, chunks)
    pieces = [c for c in chunks if c.symbol == symbol]
    assert len(pieces) > 3 and all(c.kind == kind for c in pieces)
    assert "".join(c.text for c in pieces) in source
    for c in pieces[1:]:  # each later piece starts at a statement: `value3 = ...`, `let value3`
        closing = c.text == footer  # a named end statement (`endfunction()`) may stand alone
        assert closing or re.match(r"\(?(?:[\w$]+[\s(])?\$?value\d", c.text.lstrip()), c.text


def test_oversized_statement_splits_at_its_own_statements(word_count: TokenCounter) -> None:
    body = "".join(f"        step{i} = work({i}, item)\n" for i in range(40))
    source = f"def run(items):\n    total = 0\n    for item in items:\n{body}    return total\n"
    chunks = chunk(source, "python", 40, word_count)
    assert_exact(source, chunks)
    assert {(c.kind, c.symbol) for c in chunks} == {("function", "run")}
    assert sum("step" in c.text for c in chunks) > 3
    assert all(c.text.lstrip().startswith(("def", "step", "for", "return")) for c in chunks)


MODULE_ONLY: dict[str, str] = {
    "python": "import os\nimport sys\nfrom pathlib import Path\n\nLIMIT = 10\nNAMES = ['a']\n",
    "javascript": 'import fs from "fs";\nconst path = require("path");\nlet limit = 10;\n',
    "typescript": 'import fs from "fs";\nexport const LIMIT: number = 10;\n',
    "tsx": 'import React from "react";\nconst element = <div>hi</div>;\n',
    "go": 'package main\n\nimport "fmt"\n\nvar limit = 10\n\nconst name = "x"\n',
    "rust": 'use std::fmt;\nuse std::io;\n\nconst LIMIT: usize = 10;\nstatic NAME: &str = "x";\n',
    "java": "package a.b;\n\nimport java.util.List;\nimport java.util.Map;\n",
    "c": "#include <stdio.h>\n#define LIMIT 10\ntypedef int count_t;\nint counter = 0;\n",
    "cpp": "#include <vector>\nusing std::vector;\nint counter = 0;\nint api(void);\n",
    "csharp": "using System;\nusing System.IO;\n",
    "ruby": "require 'json'\nLIMIT = 10\nnames = %w[a b]\n",
    "php": "<?php\nuse App\\Models\\User;\n$limit = 10;\n",
    "bash": "set -e\nexport LIMIT=10\nNAME=x\n",
    **jvm_apple.MODULE_ONLY,
    **functional.MODULE_ONLY,
    **scripting.MODULE_ONLY,
    **extended.MODULE_ONLY,
    **build.MODULE_ONLY,
    **hardware_lisp.MODULE_ONLY,
    **dialects.MODULE_ONLY,
    **pascal_ada.MODULE_ONLY,
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_module_code_only(language: str, word_count: TokenCounter) -> None:
    source = MODULE_ONLY[language]
    assert [(c.kind, c.symbol, c.text) for c in chunk(source, language, 512, word_count)] == [
        ("module", None, source)
    ]
    small = chunk(source, language, 8, word_count)
    assert_exact(source, small)
    assert pairs(small) == {("module", None)}


NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "python": (
        "# Λογαριασμός τραπέζης 🏦\nΌΡΙΟ = 'μέγιστο 💰'\n\n\nclass Λογαριασμός:\n"
        "    def κατάθεση(self, ποσό):\n        self.υπόλοιπο += ποσό  # προσθήκη ✅\n\n"
        "    def ανάληψη(self, ποσό):\n        return 'όχι 🚫' if ποσό > ΌΡΙΟ else ποσό\n\n\n"
        "def σύνολο(λογαριασμοί):\n    return sum(λ.υπόλοιπο for λ in λογαριασμοί)\n",
        {
            ("method", "Λογαριασμός.κατάθεση"),
            ("method", "Λογαριασμός.ανάληψη"),
            ("function", "σύνολο"),
        },
    ),
    "javascript": (
        "// Καλάθι 🛒\nconst σύμβολο = '€';\n\nclass Καλάθι {\n  προσθήκη(είδος) {\n"
        "    this.είδη.push(`${είδος} ✔️`);\n  }\n}\n\nfunction τιμή(x) {\n"
        "  return x + σύμβολο;\n}\n",
        {("method", "Καλάθι.προσθήκη"), ("function", "τιμή")},
    ),
    "go": (
        "package main\n\n// Χαιρετισμός 👋\nfunc Γεια(όνομα string) string {\n"
        '\treturn "Γεια σου, " + όνομα + " 😀"\n}\n\ntype Σημείο struct {\n\tΧ int\n}\n\n'
        "func (σ Σημείο) Διπλό() int {\n\treturn σ.Χ * 2 // διπλάσιο ✌️\n}\n",
        {("function", "Γεια"), ("struct", "Σημείο"), ("method", "Σημείο.Διπλό")},
    ),
    **jvm_apple.NON_ASCII,
    **functional.NON_ASCII,
    **scripting.NON_ASCII,
    **extended.NON_ASCII,
    **build.NON_ASCII,
    **hardware_lisp.NON_ASCII,
    **dialects.NON_ASCII,
    **pascal_ada.NON_ASCII,
}


@pytest.mark.parametrize("language", sorted(NON_ASCII))
def test_non_ascii_offsets(language: str, minilm_count: TokenCounter) -> None:
    source, expected = NON_ASCII[language]
    segments = segmenter(language)(source)
    for segment in segments[1:]:  # character offsets land on line starts
        assert source[segment.start - 1] == "\n"
    for budget in (24, 40, 512):
        chunks = chunk(source, language, budget, minilm_count)
        assert_exact(source, chunks)
        assert all(c.token_count <= budget for c in chunks)
    assert pairs(chunk(source, language, 24, minilm_count)) >= expected
    for c in chunk(source, language, 512, minilm_count):  # cut where the definition starts
        head = "".join(c.text.splitlines(keepends=True)[:2])
        assert c.symbol is None or c.symbol.split(".")[-1] in head


@pytest.mark.parametrize("language", LANGUAGES)
def test_broken_source_still_rebuilds(language: str, minilm_count: TokenCounter) -> None:
    original = SOURCES[language]
    cut = len(original) * 3 // 5
    source = original[:cut] + "\n}}} ((( class def fn {{ <<<\n" + original[cut // 2 : cut]
    for budget in (32, 512):
        chunks = chunk(source, language, budget, minilm_count)
        assert_exact(source, chunks)
        assert all(c.token_count <= budget for c in chunks)


def test_comments_and_decorators_join_their_definition(word_count: TokenCounter) -> None:
    source = "import os\n\n# Explains f.\n@cache\ndef f():\n    return 1\n\n# Alone.\n\nX = 1\n"
    chunks = chunk(source, "python", 512, word_count)
    assert [(c.kind, c.symbol) for c in chunks] == [
        ("module", None),
        ("function", "f"),
        ("module", None),
    ]
    assert chunks[1].text == "# Explains f.\n@cache\ndef f():\n    return 1\n\n"
    rust = "/// Doc.\n#[derive(Debug)]\nstruct S {\n    a: i32,\n}\n"
    assert pairs(chunk(rust, "rust", 512, word_count)) == {("struct", "S")}
    # Rust line comments end with their newline: a blank line still detaches them.
    detached = chunk("// Banner.\n\n" + rust, "rust", 512, word_count)
    assert [(c.kind, c.text) for c in detached] == [("module", "// Banner.\n\n"), ("struct", rust)]


def test_edge_inputs() -> None:
    assert segmenter("python")("") == []
    assert len(segmenter("python")("\n\n   \n")) == 1
    with pytest.raises(KeyError):
        segmenter("cobol")


def test_segmenters_are_thread_safe() -> None:
    def run(language: str) -> list[tuple[int, int, str, str | None]]:
        segments = segmenter(language)(SOURCES[language])
        return [(s.start, s.end, s.kind, s.symbol) for s in segments]

    serial = {language: run(language) for language in LANGUAGES}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, LANGUAGES * 4))
    assert results == [serial[language] for language in LANGUAGES * 4]


def test_python_chunks_start_at_statements(word_count: TokenCounter) -> None:
    """Statement boundaries come first: no chunk starts inside a statement (checked by ast)."""
    source = SOURCES["python"]
    lines = source.splitlines()
    nodes = list(ast.walk(ast.parse(source)))
    allowed = {node.lineno for node in nodes if isinstance(node, ast.stmt)}
    allowed |= {d.lineno for node in nodes for d in getattr(node, "decorator_list", [])}
    allowed |= {number for number, line in enumerate(lines, 1) if line.lstrip().startswith("#")}
    for budget in (32, 48, 64):  # every line fits: no character splits
        chunks = chunk(source, "python", budget, word_count)
        starts = {c.start_line for c in chunks}
        assert starts <= allowed | {1}, [lines[n - 1] for n in starts - allowed]
