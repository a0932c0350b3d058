// fold writes a folding and an interval on every op and the predicted design on
// the function (python_tests/dse checks the rates and intervals themselves).
// RUN: atheena import --example b-lenet -q \
// RUN:   | atheena-opt --pass-pipeline='builtin.module(fold{board=zc706 budget=0.5 exit_probabilities=0.75})' \
// RUN:       --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: atheena.design = {board = "ZC706", bram18 = {{[0-9]+}} : i64, budget = 5.000000e-01 : f64, clock_mhz = 1.250000e+02 : f64, cycles_per_sample = {{[0-9.e+]+}} : f64, dsp = {{[0-9]+}} : i64, ff = {{[0-9]+}} : i64, lut = {{[0-9]+}} : i64, throughput_sps = {{[0-9.]+}} : f64}
// CHECK: "atheena.conv2d"(%arg0) {{.*}}folding = {coarse_in = 1 : i64, coarse_out = {{[0-9]+}} : i64, fine = {{[0-9]+}} : i64}{{.*}}interval = {{[0-9]+}} : i64
// CHECK: "atheena.exit_decision"{{.*}}folding = {}, interval = 10 : i64
// CHECK: "atheena.exit_merge"{{.*}}folding = {}, interval = 1 : i64

// With reach probabilities from profiling instead of given exit probabilities:
// RUN: atheena import --example b-lenet -q \
// RUN:   | atheena-opt --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=200}, fold{budget=0.3})' \
// RUN:       --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s --check-prefix=PROFILED
// PROFILED: atheena.design = {board = "ZC706"
// PROFILED-SAME: budget = 3.000000e-01

// RUN: atheena import --example b-lenet -q -o %t.mlir
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(fold{budget=0.3})' 2>&1 | FileCheck %s --check-prefix=NOREACH
// NOREACH: error: the network's reach probabilities are unknown: run annotate-exit-probabilities first
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.01 exit_probabilities=0.75})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TIGHT
// TIGHT: error: no folding of the network fits in 1% of the ZedBoard's resources; the smallest budget that fits is {{[0-9.]+}}%
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(fold{board=vc709 exit_probabilities=0.75})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BOARD
// BOARD: error: unknown board 'vc709'; built-in boards: zc706, zcu102, zedboard
