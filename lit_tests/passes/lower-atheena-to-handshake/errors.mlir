// lower-atheena-to-handshake refuses what it cannot build, naming the problem: an op without a
// folding (the network was not folded), a grouped convolution (folded, with the interval of its
// folding), a missing output directory and a top module name that is not a Verilog identifier.
// Nothing is written.  (lowering.mlir checks what it writes; python_tests/hardware simulates such RTL.)
// RUN: rm -rf %t.rtl && atheena-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(lower-atheena-to-handshake{rtl=%t.rtl})'
// RUN: not ls %t.rtl

// expected-error @+1 {{no folding; run the `fold` pass (or `atheena dse`) before lowering to hardware}}
func.func @unfolded(%x: tensor<1x4x4xf32>) -> tensor<1x4x4xf32> {
  %r = "atheena.relu"(%x) : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %r : tensor<1x4x4xf32>
}

// -----

// expected-error @+1 {{grouped convolutions have no hardware kernel yet}}
func.func @grouped(%x: tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 2 : i64,
         weights = dense<0.125> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>,
         folding = {coarse_in = 1 : i64, coarse_out = 1 : i64, fine = 1 : i64}, interval = 576 : i64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  return %c : tensor<2x4x4xf32>
}

// RUN: not atheena-opt %inputs/tiny-ee.sized.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODIR
// NODIR: tiny-ee.sized.mlir:4:1: error: lower-atheena-to-handshake needs an output directory: lower-atheena-to-handshake{rtl=path/to/dir}

// RUN: not atheena-opt %inputs/tiny-ee.sized.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake{rtl=%t.rtl top=9lives})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TOP
// TOP: tiny-ee.sized.mlir:4:1: error: top module name '9lives' must be a Verilog identifier
// RUN: not ls %t.rtl
