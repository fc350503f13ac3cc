"""Code samples for the chunker tests: the build languages Starlark (Bazel), Make and CMake,
and Bicep (Azure infrastructure).

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

STARLARK_SOURCE = r'''"""Build rules for the shop."""

load("@rules_cc//cc:defs.bzl", "cc_library", "cc_test")

COPTS = ["-Wall", "-Werror"]

# Compiles a library with the project's flags.
def shop_library(name, srcs, deps = []):
    cc_library(
        name = name,
        srcs = srcs,
        copts = COPTS,
        deps = deps,
    )

def _version_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.write(out, ctx.attr.version)
    return [DefaultInfo(files = depset([out]))]

version_file = rule(
    implementation = _version_impl,
    attrs = {"version": attr.string()},
)

cc_test(
    name = "cart_test",
    srcs = ["cart_test.cc"],
    deps = [":cart"],
)
'''

MAKE_SOURCE = r"""# Build, test and install the shop.
CC := gcc
CFLAGS ?= -O2 -Wall
PREFIX ?= /usr/local
OBJECTS = main.o cart.o inventory.o

.PHONY: all test install clean

all: shop

shop: $(OBJECTS)
	$(CC) $(CFLAGS) -o $@ $^

%.o: %.c shop.h
	$(CC) $(CFLAGS) -c $< -o $@

test: shop
	./shop --self-test

define install_file
	install -m 644 $(1) $(PREFIX)/$(2)
endef

install: shop
	install -m 755 shop $(PREFIX)/bin/shop
	$(call install_file,shop.1,share/man/man1/shop.1)

clean:
	rm -f $(OBJECTS) shop
"""

CMAKE_SOURCE = r"""cmake_minimum_required(VERSION 3.20)
project(shop VERSION 1.0 LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
option(SHOP_BUILD_TESTS "Build the tests" ON)

# Adds a test executable named NAME from NAME.cc.
function(shop_add_test name)
  add_executable(${name} tests/${name}.cc)
  target_link_libraries(${name} PRIVATE shop)
  add_test(NAME ${name} COMMAND ${name})
endfunction()

macro(shop_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endmacro()

add_library(shop src/cart.cc src/inventory.cc)
shop_warnings(shop)

if(SHOP_BUILD_TESTS)
  enable_testing()
  shop_add_test(cart_test)
endif()
"""

BICEP_SOURCE = r"""// Storage and network for the shop.
targetScope = 'resourceGroup'

@description('Where to deploy.')
param location string = resourceGroup().location

@allowed(['dev', 'prod'])
param stage string = 'dev'

var prefix = 'shop${stage}'

type skuName = 'Standard_LRS' | 'Premium_LRS'

func storageName(base string) string => toLower('${base}store')

// The account holding product images.
resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageName(prefix)
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
}

module network './network.bicep' = {
  name: '${prefix}-network'
  params: {
    location: location
  }
}

output storageId string = storage.id
"""

SOURCES: dict[str, str] = {
    "starlark": STARLARK_SOURCE,
    "make": MAKE_SOURCE,
    "cmake": CMAKE_SOURCE,
    "bicep": BICEP_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "starlark": {
        ("function", "shop_library"),
        ("function", "_version_impl"),
        ("target", "cart_test"),
    },
    "make": {
        ("target", "all"),
        ("target", "shop"),
        ("target", "%.o"),
        ("target", "test"),
        ("function", "install_file"),
        ("target", "install"),
        ("target", "clean"),
    },
    "cmake": {("function", "shop_add_test"), ("function", "shop_warnings")},
    "bicep": {
        ("type", "skuName"),
        ("function", "storageName"),
        ("block", "resource.storage"),
        ("block", "module.network"),
    },
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "starlark": {("function", "shop_library")},
    "make": {("target", "install")},
    "cmake": {("function", "shop_add_test")},
    "bicep": {("block", "resource.storage")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "starlark",
        'exports_files(["a.txt"])\n\ngenrule(\n    name = "gen",\n    cmd = "touch $@",\n)\n',
        {("target", "gen")},
    ),
    ("make", "all: a b\n.PHONY: all\n", {("target", "all")}),
    ("cmake", "macro(m)\nendmacro()\n", {("function", "m")}),
    (
        "bicep",
        "resource vnet 'Microsoft.Network/virtualNetworks@2023-05-01' existing = {\n"
        "  name: 'main'\n}\nparam tags object = {}\n",
        {("block", "resource.vnet")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "starlark": ("def big(n):\n", "    value{i} = compute({i}, n)\n", "", "function", "big"),
    "make": ("big:\n", "\tvalue{i} --step {i}\n", "", "target", "big"),
    "cmake": ("function(big n)\n", "  set(value{i} {i})\n", "endfunction()\n", "function", "big"),
    "bicep": (
        "resource big 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n",
        "  value{i}: compute({i})\n",
        "}\n",
        "block",
        "resource.big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "starlark": 'load("//:defs.bzl", "x")\n\nCOPTS = ["-Wall"]\n',
    "make": "CC := gcc\nCFLAGS = -O2\n.PHONY: all\n",
    "cmake": "cmake_minimum_required(VERSION 3.20)\nproject(shop)\nadd_library(shop a.cc)\n",
    "bicep": "param location string = 'westeurope'\nvar prefix = 'shop'\n"
    "output name string = prefix\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
