// atheena.global_avg_pool2d parses, verifies (also folded) and prints back to the same text.
// RUN: atheena-opt %s | FileCheck %s
// RUN: atheena-opt %s -o %t.mlir && atheena-opt %t.mlir > %t2.mlir && diff %t.mlir %t2.mlir

// CHECK-LABEL: func.func @head
// CHECK: %[[P:.*]] = "atheena.global_avg_pool2d"(%arg0) : (tensor<8x6x6xf32>) -> tensor<8x1x1xf32>
// CHECK: "atheena.flatten"(%[[P]]) : (tensor<8x1x1xf32>) -> tensor<8xf32>
func.func @head(%x: tensor<8x6x6xf32>) -> tensor<3xf32> {
  %p = "atheena.global_avg_pool2d"(%x) : (tensor<8x6x6xf32>) -> tensor<8x1x1xf32>
  %f = "atheena.flatten"(%p) : (tensor<8x1x1xf32>) -> tensor<8xf32>
  %l = "atheena.linear"(%f) {weights = dense<0.5> : tensor<3x8xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  return %l : tensor<3xf32>
}

// The interval of `coarse` lanes is H*W*C/coarse cycles.
// CHECK-LABEL: func.func @folded
// CHECK: "atheena.global_avg_pool2d"(%arg0) {folding = {coarse = 4 : i64}, interval = 72 : i64} : (tensor<8x6x6xf32>) -> tensor<8x1x1xf32>
func.func @folded(%x: tensor<8x6x6xf32>) -> tensor<8x1x1xf32> {
  %p = "atheena.global_avg_pool2d"(%x) {folding = {coarse = 4 : i64}, interval = 72 : i64} : (tensor<8x6x6xf32>) -> tensor<8x1x1xf32>
  return %p : tensor<8x1x1xf32>
}
