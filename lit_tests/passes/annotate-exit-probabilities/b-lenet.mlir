// Profiling writes reach probabilities (1 before the exit, 1 - exit rate after it),
// the exit's rate and accuracy, and a summary on the function.
// RUN: atheena import --example b-lenet -q \
// RUN:   | atheena-opt --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=200})' \
// RUN:       --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: attributes {atheena.profile = {accuracy_fixed = {{.*}}, calibration = "bundled MNIST test images 8000-8999 (1000 images), first 200", {{.*}}format = "Q8.8", samples = 200 : i64}}
// CHECK: "atheena.conv2d"(%arg0) {{.*}}reach_probability = 1.000000e+00
// CHECK: "atheena.exit_decision"({{.*}}) {accuracy = {{.*}}, exit = 0 : i64, exit_rate = [[RATE:[0-9.e+-]+]] : f64, reach_probability = 1.000000e+00 : f64, threshold = 0.99599999999999999 : f64}
// CHECK: "atheena.conditional_buffer"({{.*}}mode = "drop_on_exit", reach_probability = 1.000000e+00
// CHECK: "atheena.conv2d"{{.*}}reach_probability = [[REST:[0-9.e+-]+]] : f64
// CHECK-SAME: tensor<10x20x20xf32>
// CHECK: "atheena.exit_merge"{{.*}}reach_probability = 1.000000e+00

// The data option reads any MNIST folder; a folder without the files is an error.
// RUN: atheena import --example b-lenet -q -o %t.mlir
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{data=%t.nowhere})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODATA
// NODATA: error: data folder '{{.*}}nowhere' not found
