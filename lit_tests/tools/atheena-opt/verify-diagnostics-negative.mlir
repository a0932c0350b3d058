// --verify-diagnostics fails when an expected error is not produced, when an
// unexpected one is, and for expectations of any kind; bad annotations are errors.
// RUN: not atheena-opt %s --verify-diagnostics 2>&1 | FileCheck %s
// CHECK-DAG: expected error "this message never appears" was not produced
// CHECK-DAG: expected note "nor does this one" was not produced
// CHECK-DAG: unexpected error: 'atheena.split' op must have at least 2 results

// expected-note @below {{nor does this one}}
func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{this message never appears}}
  %s = "atheena.split"(%x) : (tensor<8xf32>) -> (tensor<8xf32>)
  return %s : tensor<8xf32>
}

// RUN: printf '// expected-%%s @+x {{y}}\n' error > %t.bad.mlir
// RUN: not atheena-opt %t.bad.mlir --verify-diagnostics 2>&1 | FileCheck %s --check-prefix=OFFSET
// OFFSET: atheena-opt: error: line 1: cannot read the location '@+x' of an expected-error
