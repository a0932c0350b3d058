// Upstream passes and ATHEENA's passes compose in one pipeline, nested ones too;
// stdin, -o and --mlir-print-ir-after-all behave as in mlir-opt.
// RUN: atheena-opt %s --pass-pipeline='builtin.module(atheena-verify, canonicalize, func.func(cse), atheena-verify)' | FileCheck %s
// RUN: cat %s | atheena-opt - -o %t.out && FileCheck %s < %t.out
// RUN: atheena-opt %s --pass-pipeline='builtin.module(canonicalize, atheena-verify)' --mlir-print-ir-after-all 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=AFTER
// RUN: not atheena-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not atheena-opt %s --pass-pipeline='builtin.module(canonicalize' 2>&1 | FileCheck %s --check-prefix=BRACKETS
// RUN: not atheena-opt %t.does-not-exist 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @chain
// CHECK: "atheena.relu"
// CHECK: "atheena.flatten"
// AFTER: IR Dump After Canonicalizer
// AFTER: IR Dump After atheena-verify
// UNKNOWN: atheena-opt: error: cannot use pass 'no-such-pass'
// UNKNOWN-SAME: Run 'atheena-opt --list-passes'
// BRACKETS: atheena-opt: error: unbalanced brackets in pass pipeline
// MISSING: atheena-opt: error: cannot read input file '{{.*}}does-not-exist': No such file or directory
func.func @chain(%x: tensor<2x2x2xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x) : (tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %f = "atheena.flatten"(%r) : (tensor<2x2x2xf32>) -> tensor<8xf32>
  return %f : tensor<8xf32>
}
