// Malformed input: a readable error with file:line:col and a non-zero exit code.
// RUN: not atheena-opt %s 2>&1 | FileCheck %s
// CHECK: atheena-opt: error: {{.*}}parse-error.mlir:[[@LINE+2]]:{{[0-9]+}}: error: 'atheena.relu' op
func.func @bad(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}
