"""Code samples for the chunker tests: Luau, HLSL and Arduino, dialects read with the tables of
Lua and C++.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

LUAU_SOURCE = r"""--!strict
-- Shopping cart for the store UI.
local HttpService = game:GetService("HttpService")

export type Item = {
	name: string,
	price: number,
}

type Cart = {
	owner: string,
	items: { Item },
}

local CartModule = {}
CartModule.__index = CartModule

-- Creates an empty cart.
function CartModule.new(owner: string): Cart
	return setmetatable({ owner = owner, items = {} }, CartModule) :: any
end

function CartModule:add(item: Item)
	table.insert(self.items, item)
end

local function total(cart: Cart): number
	local sum = 0
	for _, item in cart.items do
		sum += item.price
	end
	return sum
end

CartModule.encode = function(cart: Cart): string
	return HttpService:JSONEncode(cart)
end

return CartModule
"""

HLSL_SOURCE = r"""// Lit vertex and pixel shaders.
float4x4 viewProjection;
float3 lightDirection;

Texture2D albedo : register(t0);
SamplerState linearSampler : register(s0);

struct VSInput
{
    float3 position : POSITION;
    float3 normal : NORMAL;
    float2 uv : TEXCOORD0;
};

struct PSInput
{
    float4 position : SV_Position;
    float3 normal : NORMAL;
    float2 uv : TEXCOORD0;
};

PSInput VSMain(VSInput input)
{
    PSInput output;
    output.position = mul(viewProjection, float4(input.position, 1.0));
    output.normal = input.normal;
    output.uv = input.uv;
    return output;
}

float4 PSMain(PSInput input) : SV_Target
{
    float light = saturate(dot(normalize(input.normal), -lightDirection));
    return albedo.Sample(linearSampler, input.uv) * light;
}
"""

ARDUINO_SOURCE = r"""// Blink an LED and report the temperature.
#include <Wire.h>

const int LED_PIN = 13;
unsigned long lastReport = 0;

class Thermometer {
 public:
  explicit Thermometer(int pin) : pin_(pin) {}

  float celsius() const {
    return analogRead(pin_) * 0.48828125f;
  }

 private:
  int pin_;
};

Thermometer thermometer(A0);

void setup() {
  pinMode(LED_PIN, OUTPUT);
  Serial.begin(9600);
}

void loop() {
  digitalWrite(LED_PIN, millis() / 500 % 2);
  if (millis() - lastReport > 1000) {
    Serial.println(thermometer.celsius());
    lastReport = millis();
  }
}
"""


SOURCES: dict[str, str] = {
    "luau": LUAU_SOURCE,
    "hlsl": HLSL_SOURCE,
    "arduino": ARDUINO_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "luau": {
        ("type", "Item"),
        ("type", "Cart"),
        ("function", "CartModule.new"),
        ("method", "CartModule.add"),
        ("function", "total"),
        ("function", "CartModule.encode"),
    },
    "hlsl": {
        ("struct", "VSInput"),
        ("struct", "PSInput"),
        ("function", "VSMain"),
        ("function", "PSMain"),
    },
    "arduino": {("class", "Thermometer"), ("function", "setup"), ("function", "loop")},
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "luau": {("function", "total")},
    "hlsl": {("function", "PSMain")},
    "arduino": {("method", "Thermometer.Thermometer"), ("method", "Thermometer.celsius")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "luau",
        "export type Point = { x: number }\n"
        "local function len(p: Point): number\n  return p.x\nend\n",
        {("type", "Point"), ("function", "len")},
    ),
    (
        "hlsl",
        "float4 Tint(float4 c : COLOR) : SV_Target\n{\n    return c;\n}\n",
        {("function", "Tint")},
    ),
    ("arduino", "void loop() {\n  delay(10);\n}\n", {("function", "loop")}),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "luau": (
        "function big(n: number)\n",
        "\tlocal value{i} = compute({i}, n)\n",
        "end\n",
        "function",
        "big",
    ),
    "hlsl": (
        "void big(int n)\n{\n",
        "    float value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "arduino": (
        "void big(int n) {\n",
        "  int value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "luau": '--!strict\nlocal Players = game:GetService("Players")\nreturn Players\n',
    "hlsl": "Texture2D albedo : register(t0);\nfloat3 lightDirection;\n",
    "arduino": "#include <Wire.h>\nconst int LED_PIN = 13;\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
