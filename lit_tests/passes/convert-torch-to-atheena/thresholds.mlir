// Threshold and comparison options: one value applies to every early exit; out-of-range values fail.
// RUN: atheena import --example b-lenet-3 --emit torch -q -o %t.mlir
// RUN: atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.75})' \
// RUN:   --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s
// CHECK-COUNT-2: "atheena.exit_decision"({{.*}}) {exit = {{[01]}} : i64, threshold = 7.500000e-01 : f64}

// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.5,1.5})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=RANGE
// RANGE: error: threshold 1.5 is outside (0, 1)
// RANGE: reproduce with:
// RANGE-NEXT: atheena-opt {{.*}}.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.5,1.5})'

// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{threshold=0.5})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OPTION
// OPTION: pass 'convert-torch-to-atheena' has no option 'threshold=0.5' (its options: thresholds, comparisons)

// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.5,0.6,0.7})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=COUNT
// COUNT: error: the network has 2 early exit(s) but 3 thresholds were given (0.5,0.6,0.7); give one per early exit

// Comparisons: "gt" (exit iff max softmax > t, ONNX's Greater) is written on the op; "ge" is the default.
// RUN: atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.75 comparisons=gt,ge})' \
// RUN:   --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s --check-prefix=GT
// GT: "atheena.exit_decision"({{.*}}) {comparison = "gt", exit = 0 : i64, threshold = 7.500000e-01 : f64}
// GT: "atheena.exit_decision"({{.*}}) {exit = 1 : i64, threshold = 7.500000e-01 : f64}

// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena{comparisons=lt})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADCMP
// BADCMP: error: comparison 'lt' must be 'ge' (exit iff max softmax >= threshold) or 'gt' (exit iff max softmax > threshold)
