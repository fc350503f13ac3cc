"""Code samples for the chunker tests: CUDA, GLSL, Solidity, PowerShell and Starlark.

Short realistic files, the definitions each must yield, and small cases of each grammar's quirks;
`test_code_chunking` runs every parametrised test over them.
"""

from __future__ import annotations

CUDA_SOURCE = r"""// vector_add.cu - element-wise kernels.
#include <cuda_runtime.h>
#include <cstdio>

constexpr int kBlock = 256;

/// Adds two vectors element by element.
__global__ void vector_add(const float *a, const float *b, float *out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = a[i] + b[i];
    }
}

namespace ops {

__device__ float square(float x) {
    return x * x;
}

template <typename T>
struct Buffer {
    T *data;
    size_t size;

    __host__ void release() {
        cudaFree(data);
    }
};

}  // namespace ops

int main() {
    float *a = nullptr;
    cudaMalloc(&a, 1024 * sizeof(float));
    vector_add<<<4, kBlock>>>(a, a, a, 1024);
    cudaDeviceSynchronize();
    return 0;
}
"""

GLSL_SOURCE = r"""#version 330 core

in vec3 normal;
out vec4 fragColor;

uniform vec3 lightDir;

// A point light.
struct Light {
    vec3 position;
    vec3 color;
};

float lambert(vec3 n, vec3 l) {
    return max(dot(normalize(n), normalize(l)), 0.0);
}

vec3 shade(Light light, vec3 n) {
    float d = lambert(n, light.position);
    return light.color * d;
}

void main() {
    Light sun = Light(lightDir, vec3(1.0));
    fragColor = vec4(shade(sun, normal), 1.0);
}
"""

SOLIDITY_SOURCE = r"""// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC20.sol";

/// @title A minimal token.
contract Token is IERC20 {
    mapping(address => uint256) public balanceOf;
    address public owner;

    event Transfer(address indexed from, address indexed to, uint256 value);

    error InsufficientBalance(uint256 available, uint256 required);

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    constructor(uint256 supply) {
        owner = msg.sender;
        balanceOf[msg.sender] = supply;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        uint256 available = balanceOf[msg.sender];
        if (available < value) revert InsufficientBalance(available, value);
        balanceOf[msg.sender] = available - value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}

library Math {
    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
"""

POWERSHELL_SOURCE = r"""#Requires -Version 7
# Deployment helpers for the shop.
Set-StrictMode -Version Latest

$DefaultRegion = 'eu-west-1'

<#
.SYNOPSIS
Reads the deployment configuration.
#>
function Get-DeployConfig {
    param(
        [Parameter(Mandatory)] [string] $Path
    )
    Get-Content -Raw $Path | ConvertFrom-Json
}

class Deployer {
    [string] $Region

    Deployer([string] $region) {
        $this.Region = $region
    }

    [void] Deploy([string] $app) {
        Write-Host "Deploying $app to $($this.Region)"
    }
}

enum Stage {
    Dev
    Prod
}

filter Select-Large {
    if ($_.Length -gt 1048576) { $_ }
}

$config = Get-DeployConfig -Path ./deploy.json
$deployer = [Deployer]::new($DefaultRegion)
$deployer.Deploy($config.App)
"""

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

SOURCES: dict[str, str] = {
    "cuda": CUDA_SOURCE,
    "glsl": GLSL_SOURCE,
    "solidity": SOLIDITY_SOURCE,
    "powershell": POWERSHELL_SOURCE,
    "starlark": STARLARK_SOURCE,
}

TOP_LEVEL: dict[str, set[tuple[str, str]]] = {
    "cuda": {("function", "vector_add"), ("namespace", "ops"), ("function", "main")},
    "glsl": {
        ("struct", "Light"),
        ("function", "lambert"),
        ("function", "shade"),
        ("function", "main"),
    },
    "solidity": {("class", "Token"), ("namespace", "Math")},
    "powershell": {
        ("function", "Get-DeployConfig"),
        ("class", "Deployer"),
        ("enum", "Stage"),
        ("function", "Select-Large"),
    },
    "starlark": {
        ("function", "shop_library"),
        ("function", "_version_impl"),
        ("target", "cart_test"),
    },
}

MEMBERS: dict[str, set[tuple[str, str]]] = {
    "cuda": {
        ("function", "ops.square"),
        ("struct", "ops.Buffer"),
        ("method", "ops.Buffer.release"),
    },
    "glsl": {("function", "shade")},
    "solidity": {
        ("type", "Token.Transfer"),
        ("type", "Token.InsufficientBalance"),
        ("method", "Token.onlyOwner"),
        ("method", "Token.constructor"),
        ("method", "Token.transfer"),
        ("function", "Math.min"),
    },
    "powershell": {("method", "Deployer.Deployer"), ("method", "Deployer.Deploy")},
    "starlark": {("function", "shop_library")},
}

QUALIFIED: list[tuple[str, str, set[tuple[str, str | None]]]] = [
    (
        "cuda",
        "template <int N>\n__global__ void fill(float *x) {\n  x[0] = N;\n}\n",
        {("function", "fill")},
    ),
    (
        "solidity",
        "interface IERC20 {\n    function balanceOf(address) external view returns (uint256);\n}\n",
        {("interface", "IERC20"), ("method", "IERC20.balanceOf")},
    ),
    (
        "powershell",
        "function Get-Item { 1 }\nfilter Keep-Odd { if ($_ % 2) { $_ } }\n",
        {("function", "Get-Item"), ("function", "Keep-Odd")},
    ),
    (
        "starlark",
        'exports_files(["a.txt"])\n\ngenrule(\n    name = "gen",\n    cmd = "touch $@",\n)\n',
        {("target", "gen")},
    ),
]

BIG_FUNCTIONS: dict[str, tuple[str, str, str, str, str]] = {
    "cuda": (
        "__global__ void big(int n) {\n",
        "    int value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "glsl": (
        "void big(int n) {\n",
        "    float value{i} = compute({i}, n);\n",
        "}\n",
        "function",
        "big",
    ),
    "solidity": (
        "contract Holder {\n    function big(uint256 n) public {\n",
        "        uint256 value{i} = compute({i}, n);\n",
        "    }\n}\n",
        "method",
        "Holder.big",
    ),
    "powershell": ("function big {\n", "    $value{i} = Compute {i}\n", "}\n", "function", "big"),
    "starlark": ("def big(n):\n", "    value{i} = compute({i}, n)\n", "", "function", "big"),
}

MODULE_ONLY: dict[str, str] = {
    "cuda": "#include <cuda_runtime.h>\nconstexpr int kBlock = 256;\n__device__ float scale;\n",
    "glsl": "#version 330 core\nin vec3 normal;\nout vec4 fragColor;\n",
    "solidity": '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./A.sol";\n',
    "powershell": "Set-StrictMode -Version Latest\n$Region = 'eu-west-1'\nWrite-Host $Region\n",
    "starlark": 'load("//:defs.bzl", "x")\n\nCOPTS = ["-Wall"]\n',
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
