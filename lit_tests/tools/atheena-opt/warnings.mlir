// A pass's warnings are diagnostics at the op: printed like MLIR's (file:line:col, or the layer
// name when the location is one), checked by --verify-diagnostics (expected-warning), and they do
// not fail the run. The pass comes from a plugin file (--load-pass-plugin), as a user's own would.
// RUN: atheena-opt %s --load-pass-plugin %S/Inputs/test_passes.py --pass-pipeline='builtin.module(test-warn-relu)' \
// RUN:   -o %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=PRINTED < %t.err
// RUN: FileCheck %s --check-prefix=OUT < %t.out
// RUN: atheena-opt %s --load-pass-plugin %S/Inputs/test_passes.py --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(test-warn-relu)'
// RUN: atheena-opt %s --load-pass-plugin %S/Inputs/test_passes.py --list-passes | FileCheck %s --check-prefix=LIST
//
// A warning nobody expected, or an expected one that is not produced, fails --verify-diagnostics:
// RUN: not atheena-opt %s --load-pass-plugin %S/Inputs/test_passes.py --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(test-warn-relu{message="another text"})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISMATCH
//
// Warnings that come before a failure are printed too, and the replay command loads the plugin:
// RUN: not atheena-opt %s --load-pass-plugin %S/Inputs/test_passes.py \
// RUN:   --pass-pipeline='builtin.module(test-warn-relu{fail=true})' 2>&1 | FileCheck %s --check-prefix=FAIL
//
// An op whose location is a layer name (as imported networks have) is named by its layer:
// RUN: sed -n 's|^// LAYER-IR: ||p' %s > %t.layer.mlir
// RUN: atheena-opt %t.layer.mlir --load-pass-plugin %S/Inputs/test_passes.py \
// RUN:   --pass-pipeline='builtin.module(test-warn-relu)' -o /dev/null 2>&1 | FileCheck %s --check-prefix=LAYER
// LAYER-IR: func.func @g(%x: tensor<8xf32>) -> tensor<8xf32> {
// LAYER-IR:   %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32> loc("stem.1")
// LAYER-IR:   return %r : tensor<8xf32>
// LAYER-IR: }
// LAYER: layer.mlir: layer stem.1: warning: a relu here

// LIST: test-warn-relu Warn at every atheena.relu
// OUT: func.func @f
// PRINTED: warnings.mlir:[[# @LINE + 11]]:8: warning: a relu here
// PRINTED-NEXT: warnings.mlir:[[# @LINE + 11]]:8: warning: a relu here
// PRINTED-NOT: warning
// MISMATCH-DAG: warnings.mlir:[[# @LINE + 8]]:8: unexpected warning: another text here
// MISMATCH-DAG: expected warning "a relu here" was not produced
// FAIL: warnings.mlir:[[# @LINE + 6]]:8: warning: a relu here
// FAIL: error: pass 'test-warn-relu' failed:
// FAIL-NEXT: warnings.mlir:[[# @LINE + 4]]:8: error: failing after the warning
// FAIL: reproduce with:
// FAIL-NEXT: atheena-opt {{.*}}.mlir --load-pass-plugin {{.*}}test_passes.py --pass-pipeline='builtin.module(test-warn-relu{fail=true})'
func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>  // expected-warning {{a relu here}}
  %s = "atheena.relu"(%r) : (tensor<8xf32>) -> tensor<8xf32>  // expected-warning {{a relu here}}
  return %s : tensor<8xf32>
}
