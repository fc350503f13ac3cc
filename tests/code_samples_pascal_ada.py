"""Code samples for the chunker tests: Ada and Pascal.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

ADA_SOURCE = r"""with Ada.Text_IO; use Ada.Text_IO;

--  Shopping carts: items, totals and a printable summary.
package body Carts is

   Tax_Percent : constant := 20;

   --  Sum of the prices of every item, tax included.
   function Total (C : Cart) return Natural is
      Sum : Natural := 0;
   begin
      for I of C.Items loop
         Sum := Sum + I.Price * I.Quantity;
      end loop;
      return Sum + Sum * Tax_Percent / 100;
   end Total;

   procedure Add (C : in out Cart; Item : Line) is
   begin
      C.Items.Append (Item);
   end Add;

   function Is_Empty (C : Cart) return Boolean is (C.Items.Is_Empty);

   procedure Print (C : Cart) is
   begin
      Put_Line ("Total:" & Natural'Image (Total (C)));
   end Print;

end Carts;
"""

PASCAL_SOURCE = r"""unit Carts;

{$mode objfpc}{$H+}

interface

uses
  SysUtils, Classes;

const
  TaxRate = 0.2;

type
  TItem = record
    Name: string;
    Price: Currency;
  end;

  { A shopping cart. }
  TCart = class
  private
    FItems: array of TItem;
  public
    procedure Add(const Item: TItem);
    function Total: Currency;
  end;

function FormatPrice(Value: Currency): string;

implementation

procedure TCart.Add(const Item: TItem);
begin
  SetLength(FItems, Length(FItems) + 1);
  FItems[High(FItems)] := Item;
end;

function TCart.Total: Currency;
var
  Item: TItem;
begin
  Result := 0;
  for Item in FItems do
    Result := Result + Item.Price;
  Result := Result * (1 + TaxRate);
end;

function FormatPrice(Value: Currency): string;
begin
  Result := FormatFloat('0.00', Value);
end;

end.
"""


SOURCES: dict[str, str] = {"ada": ADA_SOURCE, "pascal": PASCAL_SOURCE}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "ada": {("namespace", "Carts")},
    # Routine headers in the interface section and the class are declarations, not definitions.
    "pascal": {
        ("struct", "TItem"),
        ("class", "TCart"),
        ("method", "TCart.Add"),
        ("method", "TCart.Total"),
        ("function", "FormatPrice"),
    },
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "ada": {
        ("function", "Carts.Total"),
        ("function", "Carts.Add"),
        ("function", "Carts.Is_Empty"),
        ("function", "Carts.Print"),
    },
    "pascal": {("method", "TCart.Total")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "ada",
        "package Shapes is\n   type Shape is abstract tagged null record;\n"
        "   function Area (S : Shape) return Float is abstract;\nend Shapes;\n",
        {("namespace", "Shapes"), ("type", "Shapes.Shape"), ("function", "Shapes.Area")},
    ),
    (
        "pascal",
        "program Hello;\n\nprocedure Greet(const Name: string);\nbegin\n  WriteLn(Name);\nend;\n\n"
        "begin\n  Greet('World');\nend.\n",
        {("function", "Greet")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "ada": (
        "procedure Big (N : Integer) is\nbegin\n",
        "   value{i} := Compute ({i}, N);\n",
        "end Big;\n",
        "function",
        "Big",
    ),
    "pascal": (
        "procedure Big(N: Integer);\nbegin\n",
        "  value{i} := Compute({i}, N);\n",
        "end;\n",
        "function",
        "Big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "ada": "with Ada.Text_IO;\nuse Ada.Text_IO;\n",
    "pascal": "uses\n  SysUtils;\n\nconst\n  TaxRate = 0.2;\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
