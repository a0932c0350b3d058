// The verifier checks the attributes passes write and a user may edit (fuzzed with atheena-opt: each
// of these once passed atheena-verify and crashed a later pass, or gave RTL for a broken network):
// `folding`, `interval`, `reach_probability`, a conditional buffer's `depth` and `mode`. Each is an
// error at the op (atheena-opt verifies its input before any pass runs), never an internal error of a
// later pass.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics

// A folded, profiled and buffered network (fold + size-buffers of roundtrip.mlir's) verifies.
func.func @valid(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// folding 0, negative or huge: not a legal factor (the passes would divide by it or allocate it).
func.func @folding_zero(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.conv2d' op folding coarse_out = 0 is not legal here; legal values: 1, 2; run the `fold` pass to choose one}}
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 0 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @folding_negative(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.conv2d' op folding coarse_in = -1 is not legal here; legal values: 1; run the `fold` pass}}
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = -1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @folding_huge(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.conv2d' op folding fine = 9223372036854775807 is not legal here; legal values: 1 to 9;}}
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9223372036854775807 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// A folding with parameters of another kind, or none at all on one op of a folded network.
func.func @folding_keys(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.relu' op folding {lanes = 1} must give exactly coarse; run the `fold` pass}}
  %1 = "atheena.relu"(%0) {folding = {lanes = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @folding_missing(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.relu' op has no 'folding' but other ops of the network do; run the `fold` pass again}}
  %1 = "atheena.relu"(%0) {interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @folding_not_integers(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.relu' op 'folding' entry 'coarse' must be an int, got "one"}}
  %1 = "atheena.relu"(%0) {folding = {coarse = "one"}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// An interval that is not the folding's.
func.func @interval(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.relu' op interval 5 does not match the folding, whose interval is 32 cycles per sample}}
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 5 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// Reach probabilities that disagree with the graph: every sample reaches the first layer, and only a
// conditional buffer lets fewer through.
func.func @reach_zero(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.conv2d' op has reach_probability 0, but 1 of the samples reach its input and every one of them reaches it}}
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 0.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @reach_after_buffer(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  // expected-error @+1 {{'atheena.linear' op has reach_probability 0.25, but 0.5 of the samples reach its input}}
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 2.500000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// Every sample may go on past a buffer (none exits): reach 1 after it is legal.
func.func @reach_above_buffer(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @reach_range(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.relu' op reach_probability 1.500000e+00 : f64 must be a probability in [0, 1]}}
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.500000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// Conditional buffer depths: at least one sample (deadlock-free), and a bounded memory.
func.func @depth_huge(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  // expected-error @+1 {{'atheena.conditional_buffer' op depth 100000000 : i64 must be an integer number of samples in [1, 4096]}}
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 100000000 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

func.func @depth_zero(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  // expected-error @+1 {{'atheena.conditional_buffer' op depth 0 : i64 must be an integer number of samples in [1, 4096]}}
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 0 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// Swapped modes: the backbone's buffer must drop the samples that exit, the exit's result buffer forward them.
func.func @modes_swapped(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %0 = "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, folding = {coarse_in = 1 : i64, coarse_out = 2 : i64, fine = 9 : i64}, groups = 1 : i64, interval = 25 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %1 = "atheena.relu"(%0) {folding = {coarse = 1 : i64}, interval = 32 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %2:2 = "atheena.split"(%1) {folding = {coarse = 2 : i64}, interval = 16 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %3 = "atheena.avg_pool2d"(%2#0) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 1.000000e+00 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %4 = "atheena.flatten"(%3) {folding = {}, interval = 0 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %5 = "atheena.linear"(%4) {bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 1.000000e+00 : f64, weights = dense<5.000000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %6:2 = "atheena.split"(%5) {folding = {coarse = 3 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %7 = "atheena.exit_decision"(%6#0) {exit = 0 : i64, folding = {}, interval = 3 : i64, reach_probability = 1.000000e+00 : f64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
  %8:2 = "atheena.split"(%7) {folding = {coarse = 1 : i64}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  // expected-error @+1 {{'atheena.conditional_buffer' op has mode "forward_on_exit" but its result goes to the rest of the backbone, which needs "drop_on_exit"}}
  %9 = "atheena.conditional_buffer"(%2#1, %8#0) {depth = 3 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 32 : i64, mode = "forward_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  // expected-error @+1 {{'atheena.conditional_buffer' op has mode "drop_on_exit" but its result goes to the exit merge, which needs "forward_on_exit"}}
  %10 = "atheena.conditional_buffer"(%6#1, %8#1) {depth = 2 : i64, exit = 0 : i64, folding = {coarse = 1 : i64}, interval = 3 : i64, mode = "drop_on_exit", reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %11 = "atheena.max_pool2d"(%9) {folding = {coarse = 1 : i64}, interval = 32 : i64, kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>, reach_probability = 5.000000e-01 : f64, stride = array<i64: 2, 2>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %12 = "atheena.flatten"(%11) {folding = {}, interval = 0 : i64, reach_probability = 5.000000e-01 : f64} : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %13 = "atheena.linear"(%12) {bias = dense<0.000000e+00> : tensor<3xf32>, folding = {coarse_in = 1 : i64, coarse_out = 1 : i64}, interval = 24 : i64, reach_probability = 5.000000e-01 : f64, weights = dense<2.500000e-01> : tensor<3x8xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %14 = "atheena.exit_merge"(%10, %13) {folding = {}, interval = 1 : i64, reach_probability = 1.000000e+00 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %14 : tensor<3xf32>
}

// -----

// The function's annotations are checked too: size-buffers and the hardware flow read them.
// expected-error @+1 {{'func.func' op 'atheena.design' lacks board, clock_mhz, cycles_per_sample, dsp, bram18, lut, ff; run the `fold` pass again to write it}}
func.func @design_incomplete(%x: tensor<4xf32>) -> tensor<4xf32> attributes {atheena.design = {budget = 5.000000e-01 : f64}} {
  %y = "atheena.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'atheena.profile' exit_trace must be one character per sample, 0-9 then a-z}}
func.func @trace_garbled(%x: tensor<4xf32>) -> tensor<4xf32> attributes {atheena.profile = {exit_trace = "01?1"}} {
  %y = "atheena.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
