"""Code samples for the chunker tests: Haskell, OCaml (implementation and interface), Elixir
and F#.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

HASKELL_SOURCE = r"""{-# LANGUAGE LambdaCase #-}
-- | Window stacks and the operations on them.
module Stack
  ( Stack (..)
  , focusUp
  , integrate
  ) where

import Data.Maybe (fromMaybe)
import qualified Data.Map as M

-- | A cursor into a non-empty list of windows.
data Stack a = Stack
  { focus :: !a
  , up :: [a]
  , down :: [a]
  }
  deriving (Show, Eq)

newtype WorkspaceId = WorkspaceId String

type Tag = String

-- | Things that can be laid out.
class Layout l where
  describe :: l -> String
  describe _ = "layout"

instance Functor Stack where
  fmap f (Stack t ls rs) = Stack (f t) (map f ls) (map f rs)

-- | Move the focus up, wrapping around.
focusUp :: Stack a -> Stack a
focusUp (Stack t (l:ls) rs) = Stack l ls (t:rs)
focusUp (Stack t [] rs) = Stack x xs []
  where (x:xs) = reverse (t:rs)

integrate :: Stack a -> [a]
integrate (Stack x l r) = reverse l ++ x : r

(|>) :: Stack a -> a -> Stack a
s |> w = s { down = w : down s }

main :: IO ()
main = print (integrate (Stack 1 [] [2, 3]))
"""

OCAML_SOURCE = r"""(* Inventory of a small shop. *)
open Printf

let max_items = 50

(** A product on the shelf. *)
type product = { sku : string; price : int; mutable stock : int }

exception Out_of_stock of string

module Inventory = struct
  type t = (string, product) Hashtbl.t

  let create () : t = Hashtbl.create 16

  let add inventory product = Hashtbl.replace inventory product.sku product
end

module type PRICING = sig
  val discount : product -> int
end

let rec total = function
  | [] -> 0
  | p :: rest -> (p.price * p.stock) + total rest

let describe p = sprintf "%s (%d)" p.sku p.stock

class shelf name = object
  val mutable items : product list = []
  method add p = items <- p :: items
  method name = name
end

let () = printf "%d\n" max_items
"""

OCAML_INTERFACE_SOURCE = r"""(** Inventory of a small shop. *)

open Printf

type product = { sku : string; price : int; mutable stock : int }

val max_items : int

(** Value of everything in stock. *)
val total : product list -> int

(** Products by SKU. *)
module Inventory : sig
  type t

  (** An empty inventory. *)
  val create : unit -> t

  (** Adds a product, replacing any with the same SKU. *)
  val add : t -> product -> unit
end
"""

ELIXIR_SOURCE = r'''defmodule Shop.Cart do
  @moduledoc """
  A shopping cart: line items and their total.
  """

  alias Shop.Item

  defstruct items: [], owner: nil

  @type t :: %__MODULE__{items: [Item.t()], owner: String.t()}

  defmodule EmptyError do
    defexception message: "the cart is empty"
  end

  @doc "Adds `quantity` of `item` to the cart."
  @spec add(t, Item.t(), pos_integer) :: t
  def add(%__MODULE__{items: items} = cart, item, quantity \\ 1) when quantity > 0 do
    %{cart | items: [{item, quantity} | items]}
  end

  def total(%__MODULE__{items: []}), do: raise(EmptyError)

  def total(%__MODULE__{items: items}) do
    Enum.reduce(items, 0, fn {item, n}, sum -> sum + item.price * n end)
  end

  defp format_price(cents), do: "#{div(cents, 100)}.#{rem(cents, 100)}"

  defmacro __using__(_opts) do
    quote do
      alias Shop.Cart
    end
  end
end

defprotocol Shop.Priced do
  def price(item)
end

defimpl Shop.Priced, for: Shop.Item do
  def price(item), do: item.price
end
'''

FSHARP_SOURCE = r"""/// Shopping carts and their totals.
module Shop.Cart

open System

let taxRate = 0.2m

/// A line item.
type Item = { Sku: string; Price: decimal; Quantity: int }

type Status =
    | Open
    | Paid of DateTime

type Cart(owner: string) =
    let mutable items: Item list = []

    member this.Owner = owner

    member this.Add(item: Item) =
        items <- item :: items
        this

    member this.Total() =
        items |> List.sumBy (fun i -> i.Price * decimal i.Quantity)

let withTax (amount: decimal) = amount * (1m + taxRate)

let describe (cart: Cart) =
    sprintf "%s: %M" cart.Owner (withTax (cart.Total()))

module Format =
    let price (amount: decimal) = amount.ToString("0.00")
"""


SOURCES: dict[str, str] = {
    "haskell": HASKELL_SOURCE,
    "ocaml": OCAML_SOURCE,
    "ocaml_interface": OCAML_INTERFACE_SOURCE,
    "elixir": ELIXIR_SOURCE,
    "fsharp": FSHARP_SOURCE,
}

#: Haskell's `focusUp` and Elixir's `total` have two clauses each: one definition apiece.
TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "haskell": {
        ("type", "Stack"),
        ("type", "WorkspaceId"),
        ("type", "Tag"),
        ("class", "Layout"),
        ("impl", "Stack"),
        ("function", "focusUp"),
        ("function", "integrate"),
        ("function", "(|>)"),
        ("function", "main"),
    },
    "ocaml": {
        ("type", "product"),
        ("namespace", "Inventory"),
        ("interface", "PRICING"),
        ("function", "total"),
        ("function", "describe"),
        ("class", "shelf"),
    },
    "ocaml_interface": {
        ("type", "product"),
        ("function", "total"),
        ("namespace", "Inventory"),
    },
    "elixir": {
        ("namespace", "Shop.Cart"),
        ("interface", "Shop.Priced"),
        ("impl", "Shop.Priced.Shop.Item"),
    },
    "fsharp": {("namespace", "Shop.Cart")},
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "haskell": {("method", "Stack.fmap"), ("function", "focusUp")},
    "ocaml": {
        ("type", "Inventory.t"),
        ("function", "Inventory.create"),
        ("function", "Inventory.add"),
        ("method", "shelf.add"),
        ("method", "shelf.name"),
    },
    "ocaml_interface": {
        ("type", "Inventory.t"),
        ("function", "Inventory.create"),
        ("function", "Inventory.add"),
    },
    "elixir": {
        ("namespace", "Shop.Cart.EmptyError"),
        ("function", "Shop.Cart.add"),
        ("function", "Shop.Cart.total"),
        ("function", "Shop.Cart.format_price"),
        ("function", "Shop.Cart.__using__"),
    },
    "fsharp": {
        ("type", "Shop.Cart.Item"),
        ("type", "Shop.Cart.Status"),
        ("class", "Shop.Cart.Cart"),
        ("method", "Shop.Cart.Cart.Owner"),
        ("method", "Shop.Cart.Cart.Add"),
        ("method", "Shop.Cart.Cart.Total"),
        ("function", "Shop.Cart.withTax"),
        ("function", "Shop.Cart.describe"),
        ("namespace", "Shop.Cart.Format"),
    },
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "haskell",
        'instance Show a => Show (Tree a) where\n  show _ = "tree"\n\n'
        "x `near` y = abs (x - y) < 1\n",
        {("impl", "Tree"), ("method", "Tree.show"), ("function", "near")},
    ),
    (
        "haskell",
        "-- | Length.\nlen :: [a] -> Int\nlen [] = 0\nlen (_:xs) = 1 + len xs\n",
        {("function", "len")},
    ),
    (
        "ocaml",
        "module Make (X : ORDERED) = struct\n  let compare = X.compare\n  let max a b = a\nend\n",
        {("namespace", "Make"), ("function", "Make.max")},
    ),
    (
        "ocaml",
        "let limit = 10\nlet apply = fun f x -> f x\n",
        {("function", "apply")},
    ),
    (
        "elixir",
        "defmodule A do\n  def f(x) when x > 0, do: x\n  defguard is_ok(x) when x == :ok\nend\n",
        {("namespace", "A"), ("function", "A.f"), ("function", "A.is_ok")},
    ),
    (
        "elixir",
        "defmodule A do\n  defp run([]), do: :ok\n\n  defp run([_ | t]), do: run(t)\nend\n",
        {("namespace", "A"), ("function", "A.run")},
    ),
    (
        "fsharp",
        "namespace Shop\n\ntype IPriced =\n    abstract member Price: unit -> decimal\n",
        {("namespace", "Shop"), ("class", "Shop.IPriced"), ("method", "Shop.IPriced.Price")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "haskell": (
        "big :: Int -> IO ()\nbig n = do\n",
        "  value{i} <- compute {i} n\n",
        "",
        "function",
        "big",
    ),
    "ocaml": ("let big n =\n", "  let value{i} = compute {i} n in\n", "  ()\n", "function", "big"),
    "ocaml_interface": (
        "module Big : sig\n",
        "  val value{i} : int\n",
        "end\n",
        "namespace",
        "Big",
    ),
    "elixir": ("def big(n) do\n", "  value{i} = compute({i}, n)\n", "end\n", "function", "big"),
    "fsharp": (
        "let big n =\n",
        "    let value{i} = compute {i} n\n",
        "    ()\n",
        "function",
        "big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "haskell": "module Main where\n\nimport Data.List (sort)\nimport qualified Data.Map as M\n",
    "ocaml": 'open Printf\n\nlet limit = 10\nlet names = ["a"]\n',
    "ocaml_interface": "open Printf\n\nval limit : int\n",
    "elixir": "import Plug.Conn\nalias Shop.Cart\n@limit 10\n",
    "fsharp": "open System\nopen System.IO\n\nlet limit = 10\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "elixir": (
        "# Καλάθι 🛒\ndefmodule Cart do\n  def προσθήκη(είδη, είδος) do\n"
        '    ["#{είδος} ✔️" | είδη]\n  end\n\n  def τιμή(x), do: "#{x} €"\nend\n',
        {("function", "Cart.προσθήκη"), ("function", "Cart.τιμή")},
    ),
}
