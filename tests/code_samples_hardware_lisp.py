"""Code samples for the chunker tests: Odin, Verilog, VHDL and Common Lisp.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

ODIN_SOURCE = r"""package shop

import "core:fmt"
import "core:strings"

MAX_ITEMS :: 50

// A line item in a cart.
Item :: struct {
	name:     string,
	price:    int,
	quantity: int,
}

Status :: enum {
	Open,
	Paid,
}

Cart :: struct {
	owner: string,
	items: [dynamic]Item,
}

// Adds an item, merging quantities of the same name.
add_item :: proc(cart: ^Cart, item: Item) {
	for &existing in cart.items {
		if existing.name == item.name {
			existing.quantity += item.quantity
			return
		}
	}
	append(&cart.items, item)
}

total :: proc(cart: Cart) -> (sum: int) {
	for item in cart.items {
		sum += item.price * item.quantity
	}
	return
}

main :: proc() {
	cart := Cart{owner = strings.clone("ada")}
	add_item(&cart, Item{"apple", 30, 2})
	fmt.println(total(cart))
}
"""

VERILOG_SOURCE = r"""// Synchronous counter with load and enable.
`timescale 1ns / 1ps

module counter #(
    parameter WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire             enable,
    output reg  [WIDTH-1:0] count
);

    // Next value, wrapping at the top.
    function [WIDTH-1:0] next_value(input [WIDTH-1:0] current);
        next_value = current + 1'b1;
    endfunction

    task clear;
        count <= {WIDTH{1'b0}};
    endtask

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            count <= {WIDTH{1'b0}};
        end else if (enable) begin
            count <= next_value(count);
        end
    end

endmodule

module top (
    input wire clk
);
    wire [7:0] value;

    counter #(.WIDTH(8)) u_counter (
        .clk(clk),
        .rst_n(1'b1),
        .enable(1'b1),
        .count(value)
    );
endmodule
"""

COMMONLISP_SOURCE = r""";;;; cart.lisp - shopping carts.

(defpackage :shop
  (:use :common-lisp)
  (:export #:cart #:add-item #:total))

(in-package :shop)

(defparameter *tax-rate* 1/5)

;;; A shopping cart owned by someone.
(defclass cart ()
  ((owner :initarg :owner :reader owner)
   (items :initform '() :accessor items)))

(defstruct item
  name
  (price 0 :type integer))

(defgeneric describe-cart (cart stream)
  (:documentation "Write a summary of CART to STREAM."))

(defun add-item (cart item)
  "Add ITEM to CART and return the cart."
  (push item (items cart))
  cart)

(defun total (cart)
  (let ((sum (reduce #'+ (items cart) :key #'item-price)))
    (* sum (+ 1 *tax-rate*))))

(defmacro with-cart ((var owner) &body body)
  `(let ((,var (make-instance 'cart :owner ,owner)))
     ,@body))

(defmethod describe-cart ((cart cart) stream)
  (format stream "~a: ~d items" (owner cart) (length (items cart))))
"""


VHDL_SOURCE = r"""-- Synchronous counter with enable.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity counter is
  generic (WIDTH : positive := 8);
  port (
    clk    : in  std_logic;
    enable : in  std_logic;
    count  : out unsigned(WIDTH - 1 downto 0)
  );
end entity counter;

architecture rtl of counter is
  signal value : unsigned(WIDTH - 1 downto 0) := (others => '0');

  -- Next value, wrapping at the top.
  function next_value(v : unsigned) return unsigned is
  begin
    return v + 1;
  end function;
begin
  process (clk)
  begin
    if rising_edge(clk) and enable = '1' then
      value <= next_value(value);
    end if;
  end process;

  count <= value;
end architecture rtl;

package counter_util is
  procedure clear(signal s : out unsigned);
end package counter_util;
"""

SOURCES: dict[str, str] = {
    "odin": ODIN_SOURCE,
    "verilog": VERILOG_SOURCE,
    "commonlisp": COMMONLISP_SOURCE,
    "vhdl": VHDL_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "odin": {
        ("struct", "Item"),
        ("enum", "Status"),
        ("struct", "Cart"),
        ("function", "add_item"),
        ("function", "total"),
        ("function", "main"),
    },
    "verilog": {("class", "counter"), ("class", "top")},
    # `describe-cart` twice: the generic function, then a method of it.
    "commonlisp": {
        ("class", "cart"),
        ("struct", "item"),
        ("function", "describe-cart"),
        ("function", "add-item"),
        ("function", "total"),
        ("function", "with-cart"),
        ("method", "describe-cart"),
    },
    "vhdl": {("interface", "counter"), ("impl", "counter"), ("namespace", "counter_util")},
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "odin": {("function", "add_item")},
    "verilog": {("method", "counter.next_value"), ("method", "counter.clear")},
    "commonlisp": {("function", "total")},
    "vhdl": {("method", "counter.next_value")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    ("odin", "Shape :: union {\n\tCircle,\n\tSquare,\n}\n", {("struct", "Shape")}),
    (
        "verilog",
        "package util;\n  function int twice(int x);\n    return x * 2;\n"
        "  endfunction\nendpackage\n",
        {("namespace", "util"), ("function", "util.twice")},
    ),
    (
        "commonlisp",
        "(defmacro when-let ((var form) &body body)\n  `(let ((,var ,form)) (when ,var ,@body)))\n"
        "(define-condition shop-error (error) ())\n",
        {("function", "when-let"), ("class", "shop-error")},
    ),
    (
        "vhdl",
        "package body util is\n  procedure reset(signal s : out integer) is\n  begin\n"
        "    s <= 0;\n  end procedure;\nend package body util;\n",
        {("namespace", "util"), ("function", "util.reset")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "odin": (
        "big :: proc(n: int) {\n",
        "\tvalue{i} := compute({i}, n)\n",
        "}\n",
        "function",
        "big",
    ),
    "verilog": (
        "module holder;\n  task big;\n",
        "    value{i} = compute({i});\n",
        "  endtask\nendmodule\n",
        "method",
        "holder.big",
    ),
    "commonlisp": (
        "(defun big (n)\n",
        "  (value{i} (compute {i} n))\n",
        "  n)\n",
        "function",
        "big",
    ),
    "vhdl": (
        "package body big_util is\n  procedure big(n : integer) is\n  begin\n",
        "    value{i} := compute({i}, n);\n",
        "  end procedure;\nend package body big_util;\n",
        "function",
        "big_util.big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "odin": 'package shop\n\nimport "core:fmt"\n\nMAX_ITEMS :: 50\n',
    "verilog": "`timescale 1ns / 1ps\n`define WIDTH 8\n",
    "commonlisp": "(in-package :shop)\n(defparameter *limit* 10)\n",
    "vhdl": "library ieee;\nuse ieee.std_logic_1164.all;\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
