"""Code samples for the chunker tests: CUDA, GLSL, Solidity, PowerShell, GDScript and Fortran.

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


GDSCRIPT_SOURCE = r"""extends CharacterBody2D
class_name Player

## Emitted when health reaches zero.
signal died

const MAX_HEALTH := 100

@export var speed := 200.0
var health := MAX_HEALTH

func _ready() -> void:
	health = MAX_HEALTH
	print("player ready")

## Moves with the arrow keys.
func _physics_process(delta: float) -> void:
	var direction := Input.get_vector("left", "right", "up", "down")
	velocity = direction * speed
	move_and_slide()

func take_damage(amount: int) -> void:
	health -= amount
	if health <= 0:
		died.emit()

static func spawn(parent: Node) -> Player:
	var player := Player.new()
	parent.add_child(player)
	return player

class Inventory:
	var items: Array = []

	func add(item) -> void:
		items.append(item)

enum State { IDLE, RUNNING, DEAD }
"""

FORTRAN_SOURCE = r"""! Geometry of simple shapes.
module shapes
  implicit none
  private
  public :: circle, area, describe

  real, parameter :: pi = 3.14159265

  !> A circle by its radius.
  type :: circle
    real :: radius
  end type circle

  interface area
    module procedure circle_area
  end interface area

contains

  pure real function circle_area(c)
    type(circle), intent(in) :: c
    circle_area = pi * c%radius**2
  end function circle_area

  subroutine describe(c)
    type(circle), intent(in) :: c
    print '(a, f8.3)', 'circle of area ', circle_area(c)
  end subroutine describe

end module shapes

program main
  use shapes
  implicit none
  type(circle) :: c
  c = circle(2.0)
  call describe(c)
end program main
"""


SOURCES: dict[str, str] = {
    "cuda": CUDA_SOURCE,
    "glsl": GLSL_SOURCE,
    "solidity": SOLIDITY_SOURCE,
    "powershell": POWERSHELL_SOURCE,
    "gdscript": GDSCRIPT_SOURCE,
    "fortran": FORTRAN_SOURCE,
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
    "gdscript": {
        ("function", "Player._ready"),
        ("function", "Player._physics_process"),
        ("function", "Player.take_damage"),
        ("function", "Player.spawn"),
        ("class", "Player.Inventory"),
        ("enum", "Player.State"),
    },
    "fortran": {("namespace", "shapes"), ("function", "main")},
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
    "gdscript": {("function", "Player.spawn")},
    "fortran": {
        ("struct", "shapes.circle"),
        ("interface", "shapes.area"),
        ("function", "shapes.circle_area"),
        ("function", "shapes.describe"),
    },
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
    ("gdscript", "extends Node\n\nfunc _init():\n\tpass\n", {("function", "_init")}),
    ("fortran", "program demo\n  print *, 1\nend program demo\n", {("function", "demo")}),
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
    "gdscript": ("func big(n):\n", "\tvar value{i} = compute({i}, n)\n", "", "function", "big"),
    "fortran": (
        "subroutine big(n)\n",
        "  value{i} = compute({i}, n)\n",
        "end subroutine big\n",
        "function",
        "big",
    ),
}

MODULE_ONLY: dict[str, str] = {
    "cuda": "#include <cuda_runtime.h>\nconstexpr int kBlock = 256;\n__device__ float scale;\n",
    "glsl": "#version 330 core\nin vec3 normal;\nout vec4 fragColor;\n",
    "solidity": '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./A.sol";\n',
    "powershell": "Set-StrictMode -Version Latest\n$Region = 'eu-west-1'\nWrite-Host $Region\n",
    "gdscript": "extends Node\n\nconst LIMIT := 10\nvar names := []\n",
    "fortran": "! Constants.\ninteger, parameter :: limit = 10\n",
}

NON_ASCII: dict[str, tuple[str, set[tuple[str, str]]]] = {}
