"""Code samples for the chunker tests: Lua, Perl, Julia, Zig, SQL and HCL.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

LUA_SOURCE = r"""-- Plugin loader: resolves specs and loads plugins on demand.
local Config = require("lazy.core.config")
local Util = require("lazy.core.util")

---@class LazyLoader
local M = {}

M.loading = {}
M.init_done = false

---Load a plugin and its dependencies.
---@param plugin LazyPlugin
---@param reason {[string]:string}
function M.load(plugin, reason)
  if M.loading[plugin.name] then
    return
  end
  M.loading[plugin.name] = true
  for _, dep in ipairs(plugin.dependencies or {}) do
    M.load(Config.plugins[dep], { plugin = plugin.name })
  end
  Util.track({ plugin = plugin.name, reason = reason })
end

function M.Handler:add(event)
  self.events[event] = true
end

local function is_loaded(name)
  return Config.plugins[name] and Config.plugins[name]._.loaded ~= nil
end

M.reload = function(plugin)
  M.loading[plugin.name] = nil
  M.load(plugin, { cmd = "reload" })
end

local notify = function(msg)
  vim.notify(msg, vim.log.levels.INFO)
end

return M
"""

PERL_SOURCE = r"""#!/usr/bin/perl
# Shop::Cart - line items and totals.
package Shop::Cart;

use strict;
use warnings;

our $VERSION = '1.02';
my $TAX_RATE = 0.2;

# Create an empty cart for OWNER.
sub new {
    my ($class, %args) = @_;
    my $self = { owner => $args{owner}, items => [] };
    return bless $self, $class;
}

sub add {
    my ($self, $item, $quantity) = @_;
    push @{ $self->{items} }, { item => $item, quantity => $quantity // 1 };
    return $self;
}

sub total {
    my $self = shift;
    my $sum = 0;
    $sum += $_->{item}{price} * $_->{quantity} for @{ $self->{items} };
    return $sum * (1 + $TAX_RATE);
}

package Shop::Item {
    sub new { my ($class, %args) = @_; return bless {%args}, $class }

    sub price { $_[0]{price} }
}

1;
"""

JULIA_SOURCE = r'''"""
Shapes and their areas.
"""
module Shapes

using LinearAlgebra: norm

export Shape, Circle, area

const UNIT = 1.0

"An abstract two-dimensional shape."
abstract type Shape end

struct Circle <: Shape
    center::Tuple{Float64,Float64}
    radius::Float64
end

mutable struct Polygon{T<:Real} <: Shape
    points::Vector{Tuple{T,T}}
end

"""
    area(c::Circle)

Area enclosed by the circle.
"""
function area(c::Circle)
    return pi * c.radius^2
end

perimeter(c::Circle) = 2pi * c.radius

function Base.show(io::IO, c::Circle)
    print(io, "Circle(", c.radius, ")")
end

macro unit(shape)
    return :($(esc(shape))(UNIT))
end

end # module
'''

ZIG_SOURCE = r"""//! Command line argument parsing.
const std = @import("std");
const mem = std.mem;

pub const default_separator = '=';

/// A parameter the parser accepts.
pub const Param = struct {
    names: Names,
    takes_value: bool = false,

    /// Whether `name` names this parameter.
    pub fn matches(param: Param, name: []const u8) bool {
        if (param.names.long) |long| return mem.eql(u8, long, name);
        return false;
    }

    pub const Names = struct {
        short: ?u8 = null,
        long: ?[]const u8 = null,
    };
};

pub const Kind = enum {
    flag,
    option,
    positional,
};

pub const Value = union(enum) {
    flag: bool,
    text: []const u8,
};

pub fn parse(comptime params: []const Param, args: []const []const u8) !usize {
    var count: usize = 0;
    for (args) |arg| {
        for (params) |param| {
            if (param.matches(arg)) count += 1;
        }
    }
    return count;
}

test "parse counts matching arguments" {
    const params = [_]Param{.{ .names = .{ .long = "help" } }};
    try std.testing.expectEqual(@as(usize, 1), try parse(&params, &.{"help"}));
}
"""

SQL_SOURCE = r"""-- Schema for the shop database.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

/* Customers who can place orders. */
CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0)
);

CREATE INDEX orders_customer ON orders (customer_id);

CREATE TYPE order_status AS ENUM ('pending', 'shipped', 'cancelled');

-- Revenue per customer.
CREATE VIEW customer_revenue AS
SELECT c.email, sum(o.total_cents) AS revenue
FROM customers c
JOIN orders o ON o.customer_id = c.id
GROUP BY c.email;

CREATE FUNCTION order_total(order_id BIGINT) RETURNS INTEGER AS $$
BEGIN
    RETURN (SELECT total_cents FROM orders WHERE id = order_id);
END;
$$ LANGUAGE plpgsql;

INSERT INTO customers (email) VALUES ('ada@example.com');
"""

HCL_SOURCE = r"""terraform {
  required_version = ">= 1.5"
}

# Where the shop runs.
variable "region" {
  type    = string
  default = "eu-west-1"
}

locals {
  name = "shop-${var.region}"
}

resource "aws_instance" "web" {
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = "t3.micro"

  tags = {
    Name = local.name
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "web_ip" {
  value = aws_instance.web.public_ip
}
"""

SOURCES: dict[str, str] = {
    "lua": LUA_SOURCE,
    "perl": PERL_SOURCE,
    "julia": JULIA_SOURCE,
    "zig": ZIG_SOURCE,
    "sql": SQL_SOURCE,
    "hcl": HCL_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "lua": {
        ("function", "M.load"),
        ("method", "M.Handler.add"),
        ("function", "is_loaded"),
        ("function", "M.reload"),
        ("function", "notify"),
    },
    "perl": {
        ("function", "Shop.Cart.new"),
        ("function", "Shop.Cart.add"),
        ("function", "Shop.Cart.total"),
        ("namespace", "Shop.Item"),
    },
    "julia": {("namespace", "Shapes")},
    "zig": {
        ("struct", "Param"),
        ("enum", "Kind"),
        ("struct", "Value"),
        ("function", "parse"),
        ("function", "parse counts matching arguments"),
    },
    "sql": {
        ("table", "customers"),
        ("table", "orders"),
        ("type", "order_status"),
        ("view", "customer_revenue"),
        ("function", "order_total"),
    },
    "hcl": {
        ("block", "terraform"),
        ("block", "variable.region"),
        ("block", "locals"),
        ("block", "resource.aws_instance.web"),
        ("block", "output.web_ip"),
    },
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "lua": {("function", "M.load")},
    "perl": {("function", "Shop.Item.new"), ("function", "Shop.Item.price")},
    "julia": {
        ("type", "Shapes.Shape"),
        ("struct", "Shapes.Circle"),
        ("struct", "Shapes.Polygon"),
        ("function", "Shapes.area"),
        ("function", "Shapes.perimeter"),
        ("function", "Shapes.Base.show"),
        ("function", "Shapes.unit"),
    },
    "zig": {("method", "Param.matches"), ("struct", "Param.Names")},
    "sql": {("view", "customer_revenue")},
    "hcl": {("block", "resource.aws_instance.web")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "lua",
        "function M.Loader:load(p)\n  return p\nend\nlocal x, y = function() end, 2\n",
        {("method", "M.Loader.load")},
    ),
    (
        "perl",
        "package A;\nsub one { 1 }\npackage B;\nsub two { 2 }\n",
        {("function", "A.one"), ("function", "B.two")},
    ),
    (
        "julia",
        "f(x::T) where {T} = x\nfunction g(x)::Int\n  x\nend\ny = f(1)\n",
        {("function", "f"), ("function", "g")},
    ),
    (
        "zig",
        "const Tree = opaque {};\nconst limit = 10;\ntest Tree {}\n",
        {("type", "Tree"), ("function", "Tree")},
    ),
    (
        "sql",
        "CREATE MATERIALIZED VIEW shop.sales AS SELECT 1;\nCREATE INDEX i ON t (a);\n",
        {("view", "shop.sales")},
    ),
    (
        "hcl",
        'module "vpc" {\n  source = "./vpc"\n}\n',
        {("block", "module.vpc")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "lua": (
        "function big(n)\n",
        "  local value{i} = compute({i}, n)\n",
        "end\n",
        "function",
        "big",
    ),
    "perl": ("sub big {\n", "    my $value{i} = compute({i}, shift);\n", "}\n", "function", "big"),
    "julia": ("function big(n)\n", "    value{i} = compute({i}, n)\n", "end\n", "function", "big"),
    "zig": (
        "fn big(n: u32) void {\n",
        "    const value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "sql": (
        "CREATE TABLE big (\n",
        "    value{i} INTEGER NOT NULL,\n",
        "    id INTEGER\n);\n",
        "table",
        "big",
    ),
    "hcl": (
        'resource "null_resource" "big" {\n',
        "  value{i} = compute({i})\n",
        "}\n",
        "block",
        "resource.null_resource.big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "lua": 'local util = require("util")\nlocal limit = 10\nreturn util\n',
    "perl": "use strict;\nuse warnings;\nmy $limit = 10;\n",
    "julia": 'using LinearAlgebra\n\nconst LIMIT = 10\nnames = ["a"]\n',
    "zig": 'const std = @import("std");\nconst limit = 10;\n',
    "sql": "SELECT 1;\nINSERT INTO t (a) VALUES (1);\n",
    "hcl": 'name = "shop"\nregion = "eu-west-1"\n',
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "lua": (
        "-- Καλάθι 🛒\nlocal M = {}\n\nfunction M.προσθήκη(είδη, είδος)\n"
        '  table.insert(είδη, είδος .. " ✔️")\nend\n\nlocal function τιμή(x)\n'
        '  return x .. " €"\nend\n\nreturn M\n',
        {("function", "M.προσθήκη"), ("function", "τιμή")},
    ),
}
