// lower-atheena-to-handshake on the folded and sized tiny network (Inputs/tiny-ee.sized.mlir).
// The IR is unchanged except for atheena.rtl on the function (directory, top, 46 files).  The
// handshake top level it writes is checked whole: one kernel instance per op with the folding's
// lanes (16 bits a lane), lane converters where lanes change (1 -> 10 for the merge), row FIFOs
// in front of the window kernels ((padding + 1) rows: 28 words for the first conv) and output
// FIFOs behind them, forks for the splits (the decision gets a third copy for the merge), the
// backbone's conditional buffer of 338 words x depth 21 with a queue of 21 + 2 decisions in front,
// the exit's result buffer of depth 2 with 4, the exit decision's threshold code
// floor(2^16 / 0.7) = 93622, and an exit merge keeping 64 sample ids whose output carries 10
// logits, the 32-bit sample id and the exit (193 bits).
// filelist.f lists every module, kernels first and the top last, and nothing else is written.
// (python_tests/hardware simulates the RTL of networks lowered this way.)
// RUN: rm -rf %t.rtl
// RUN: atheena-opt %inputs/tiny-ee.sized.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake{rtl=%t.rtl})' -o %t.out.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.out.mlir
// IR: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32> attributes {atheena.buffers = {{.*}}, atheena.rtl = {directory = "{{.*}}.rtl", files = 55 : i64, top = "atheena_top"}} {
// RUN: sed 's/, atheena.rtl = {[^}]*}//' %t.out.mlir > %t.stripped.mlir
// RUN: atheena-opt %inputs/tiny-ee.sized.mlir -o %t.in.mlir
// RUN: diff %t.in.mlir %t.stripped.mlir

// RUN: FileCheck %s --check-prefix=HS --match-full-lines < %t.rtl/handshake.mlir
// HS: module {
// HS-NEXT: handshake.func private @atheena_avgpool_c2h13w13_k4x4s4x4p0x0_l1_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_conditional_buffer_w10_l1_d2_f1_hs(i16, i1) -> (i16) attributes {argNames = ["in", "decision"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_conditional_buffer_w338_l1_d21_f0_hs(i16, i1) -> (i16) attributes {argNames = ["in", "decision"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_conv_c1h28w28_k3x3s1x1p0x0_l1_f2_co1_fi9_bf12f9b8_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_conv_c2h13w13_k3x3s1x1p1x1_l1_f4_co1_fi5_feb474b0_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_convert_1_to_10_hs(i16) -> (i160) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_exit_decision_n10_t93622_s0_hs(i16) -> (i1) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_exit_merge_e2_w10_d64_hs(i160, i160, i1) -> (i193) attributes {argNames = ["in0", "in1", "dec0"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_fifo_w16_d16_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_fifo_w16_d26_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_fifo_w16_d28_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_fifo_w16_d52_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_fifo_w16_d6_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_linear_18x10_ci1_co1_9a6431e5_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_linear_64x10_ci1_co1_0056320e_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_maxpool_c2h26w26_k2x2s2x2p0x0_l1_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_maxpool_c4h13w13_k3x3s3x3p0x0_l1_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func private @atheena_relu_l1_hs(i16) -> (i16) attributes {argNames = ["in"], resNames = ["out"]}
// HS-NEXT: handshake.func @atheena_top(%in: i16) -> (i193) attributes {argNames = ["in"], resNames = ["out"]} {
// HS-NEXT: %v1 = handshake.instance @atheena_fifo_w16_d28_hs(%in) : (i16) -> i16
// HS-NEXT: %v2 = handshake.instance @atheena_conv_c1h28w28_k3x3s1x1p0x0_l1_f2_co1_fi9_bf12f9b8_hs(%v1) : (i16) -> i16
// HS-NEXT: %v3 = handshake.instance @atheena_fifo_w16_d52_hs(%v2) : (i16) -> i16
// HS-NEXT: %v4 = handshake.instance @atheena_fifo_w16_d52_hs(%v3) : (i16) -> i16
// HS-NEXT: %v5 = handshake.instance @atheena_maxpool_c2h26w26_k2x2s2x2p0x0_l1_hs(%v4) : (i16) -> i16
// HS-NEXT: %v6 = handshake.instance @atheena_fifo_w16_d26_hs(%v5) : (i16) -> i16
// HS-NEXT: %v7 = handshake.instance @atheena_relu_l1_hs(%v6) : (i16) -> i16
// HS-NEXT: %v8 = handshake.buffer [2] fifo %v7 : i16
// HS-NEXT: %v9:2 = handshake.fork [2] %v8 : i16
// HS-NEXT: %v10 = handshake.instance @atheena_fifo_w16_d26_hs(%v9#0) : (i16) -> i16
// HS-NEXT: %v11 = handshake.instance @atheena_avgpool_c2h13w13_k4x4s4x4p0x0_l1_hs(%v10) : (i16) -> i16
// HS-NEXT: %v12 = handshake.instance @atheena_fifo_w16_d6_hs(%v11) : (i16) -> i16
// HS-NEXT: %v13 = handshake.instance @atheena_linear_18x10_ci1_co1_9a6431e5_hs(%v12) : (i16) -> i16
// HS-NEXT: %v14 = handshake.buffer [2] fifo %v13 : i16
// HS-NEXT: %v15:2 = handshake.fork [2] %v14 : i16
// HS-NEXT: %v16 = handshake.instance @atheena_exit_decision_n10_t93622_s0_hs(%v15#0) : (i16) -> i1
// HS-NEXT: %v17 = handshake.buffer [2] fifo %v16 : i1
// HS-NEXT: %v18:3 = handshake.fork [3] %v17 : i1
// HS-NEXT: %v19 = handshake.buffer [23] fifo %v18#0 : i1
// HS-NEXT: %v20 = handshake.instance @atheena_conditional_buffer_w338_l1_d21_f0_hs(%v9#1, %v19) : (i16, i1) -> i16
// HS-NEXT: %v21 = handshake.buffer [2] fifo %v20 : i16
// HS-NEXT: %v22 = handshake.buffer [4] fifo %v18#1 : i1
// HS-NEXT: %v23 = handshake.instance @atheena_conditional_buffer_w10_l1_d2_f1_hs(%v15#1, %v22) : (i16, i1) -> i16
// HS-NEXT: %v24 = handshake.buffer [2] fifo %v23 : i16
// HS-NEXT: %v25 = handshake.instance @atheena_fifo_w16_d52_hs(%v21) : (i16) -> i16
// HS-NEXT: %v26 = handshake.instance @atheena_conv_c2h13w13_k3x3s1x1p1x1_l1_f4_co1_fi5_feb474b0_hs(%v25) : (i16) -> i16
// HS-NEXT: %v27 = handshake.instance @atheena_fifo_w16_d52_hs(%v26) : (i16) -> i16
// HS-NEXT: %v28 = handshake.instance @atheena_fifo_w16_d52_hs(%v27) : (i16) -> i16
// HS-NEXT: %v29 = handshake.instance @atheena_maxpool_c4h13w13_k3x3s3x3p0x0_l1_hs(%v28) : (i16) -> i16
// HS-NEXT: %v30 = handshake.instance @atheena_fifo_w16_d16_hs(%v29) : (i16) -> i16
// HS-NEXT: %v31 = handshake.instance @atheena_relu_l1_hs(%v30) : (i16) -> i16
// HS-NEXT: %v32 = handshake.buffer [2] fifo %v31 : i16
// HS-NEXT: %v33 = handshake.instance @atheena_linear_64x10_ci1_co1_0056320e_hs(%v32) : (i16) -> i16
// HS-NEXT: %v34 = handshake.buffer [2] fifo %v33 : i16
// HS-NEXT: %v35 = handshake.instance @atheena_convert_1_to_10_hs(%v24) : (i16) -> i160
// HS-NEXT: %v36 = handshake.buffer [2] fifo %v35 : i160
// HS-NEXT: %v37 = handshake.instance @atheena_convert_1_to_10_hs(%v34) : (i16) -> i160
// HS-NEXT: %v38 = handshake.buffer [2] fifo %v37 : i160
// HS-NEXT: %v39 = handshake.instance @atheena_exit_merge_e2_w10_d64_hs(%v36, %v38, %v18#2) : (i160, i160, i1) -> i193
// HS-NEXT: %v40 = handshake.buffer [2] fifo %v39 : i193
// HS-NEXT: handshake.return %v40 : i193
// HS-NEXT: }
// HS-NEXT: }

// RUN: FileCheck %s --check-prefix=FILES --match-full-lines < %t.rtl/filelist.f
// FILES: atheena_avgpool_c2h13w13_k4x4s4x4p0x0_l1.sv
// FILES-NEXT: atheena_avgpool_c2h13w13_k4x4s4x4p0x0_l1_hs.sv
// FILES-NEXT: atheena_conditional_buffer_w10_l1_d2_f1.sv
// FILES-NEXT: atheena_conditional_buffer_w10_l1_d2_f1_hs.sv
// FILES-NEXT: atheena_conditional_buffer_w338_l1_d21_f0.sv
// FILES-NEXT: atheena_conditional_buffer_w338_l1_d21_f0_hs.sv
// FILES-NEXT: atheena_conv_c1h28w28_k3x3s1x1p0x0_l1_f2_co1_fi9_bf12f9b8.sv
// FILES-NEXT: atheena_conv_c1h28w28_k3x3s1x1p0x0_l1_f2_co1_fi9_bf12f9b8_hs.sv
// FILES-NEXT: atheena_conv_c2h13w13_k3x3s1x1p1x1_l1_f4_co1_fi5_feb474b0.sv
// FILES-NEXT: atheena_conv_c2h13w13_k3x3s1x1p1x1_l1_f4_co1_fi5_feb474b0_hs.sv
// FILES-NEXT: atheena_convert_1_to_10.sv
// FILES-NEXT: atheena_convert_1_to_10_hs.sv
// FILES-NEXT: atheena_exit_decision_n10_t93622_s0.sv
// FILES-NEXT: atheena_exit_decision_n10_t93622_s0_hs.sv
// FILES-NEXT: atheena_exit_merge_e2_w10_d64.sv
// FILES-NEXT: atheena_exit_merge_e2_w10_d64_hs.sv
// FILES-NEXT: atheena_fifo_w16_d16.sv
// FILES-NEXT: atheena_fifo_w16_d16_hs.sv
// FILES-NEXT: atheena_fifo_w16_d26.sv
// FILES-NEXT: atheena_fifo_w16_d26_hs.sv
// FILES-NEXT: atheena_fifo_w16_d28.sv
// FILES-NEXT: atheena_fifo_w16_d28_hs.sv
// FILES-NEXT: atheena_fifo_w16_d52.sv
// FILES-NEXT: atheena_fifo_w16_d52_hs.sv
// FILES-NEXT: atheena_fifo_w16_d6.sv
// FILES-NEXT: atheena_fifo_w16_d6_hs.sv
// FILES-NEXT: atheena_linear_18x10_ci1_co1_9a6431e5.sv
// FILES-NEXT: atheena_linear_18x10_ci1_co1_9a6431e5_hs.sv
// FILES-NEXT: atheena_linear_64x10_ci1_co1_0056320e.sv
// FILES-NEXT: atheena_linear_64x10_ci1_co1_0056320e_hs.sv
// FILES-NEXT: atheena_maxpool_c2h26w26_k2x2s2x2p0x0_l1.sv
// FILES-NEXT: atheena_maxpool_c2h26w26_k2x2s2x2p0x0_l1_hs.sv
// FILES-NEXT: atheena_maxpool_c4h13w13_k3x3s3x3p0x0_l1.sv
// FILES-NEXT: atheena_maxpool_c4h13w13_k3x3s3x3p0x0_l1_hs.sv
// FILES-NEXT: atheena_relu_l1.sv
// FILES-NEXT: atheena_relu_l1_hs.sv
// FILES-NEXT: atheena_top_sim.sv
// FILES-NEXT: handshake_buffer_in_ui160_out_ui160_2slots_fifo.sv
// FILES-NEXT: handshake_buffer_in_ui16_out_ui16_2slots_fifo.sv
// FILES-NEXT: handshake_buffer_in_ui193_out_ui193_2slots_fifo.sv
// FILES-NEXT: handshake_buffer_in_ui1_out_ui1_23slots_fifo.sv
// FILES-NEXT: handshake_buffer_in_ui1_out_ui1_2slots_fifo.sv
// FILES-NEXT: handshake_buffer_in_ui1_out_ui1_4slots_fifo.sv
// FILES-NEXT: handshake_fork_in_ui16_out_ui16_ui16.sv
// FILES-NEXT: handshake_fork_in_ui1_out_ui1_ui1_ui1.sv
// FILES-NEXT: atheena_top.sv

// Every ROM's `$readmemh` file is written beside the sources (filelist.f lists only the sources).
// RUN: %python -c "import pathlib, re, sys; d = pathlib.Path(sys.argv[1]); listed = (d / 'filelist.f').read_text().split(); \
// RUN:   print(len(listed), 'listed;', 'all written' if all((d / f).is_file() for f in listed) else 'MISSING', end='; '); \
// RUN:   roms = {m for f in listed for m in re.findall(r'readmemh\(\"([^\"]+)\"', (d / f).read_text())}; \
// RUN:   print(len(roms), 'ROM files', 'all written' if all((d / r).is_file() for r in roms) else 'MISSING', end='; '); \
// RUN:   print('others:', sorted({p.name for p in d.iterdir()} - set(listed) - roms))" %t.rtl | FileCheck %s --check-prefix=DIR --match-full-lines
// DIR: 46 listed; all written; 9 ROM files all written; others: ['filelist.f', 'handshake.mlir']

// The simulation wrapper's ports: 16-bit input words, the 193-bit tagged result.
// RUN: FileCheck %s --check-prefix=SIM --match-full-lines < %t.rtl/atheena_top_sim.sv
// SIM: module atheena_top_sim(
// SIM-NEXT: input          clk,
// SIM-NEXT: rst,
// SIM-NEXT: input  [15:0]  in_data,
// SIM-NEXT: input          in_valid,
// SIM-NEXT: out_ready,
// SIM-NEXT: output         in_ready,
// SIM-NEXT: output [192:0] out_data,
// SIM-NEXT: output         out_valid
// SIM-NEXT: );
// SIM-EMPTY:
// SIM-NEXT: atheena_top atheena_top (
// SIM-NEXT: .clock     (clk),
// SIM-NEXT: .reset     (rst),
// SIM-NEXT: .in        (in_data),
// SIM-NEXT: .in_valid  (in_valid),
// SIM-NEXT: .out_ready (out_ready),
// SIM-NEXT: .in_ready  (in_ready),
// SIM-NEXT: .out       (out_data),
// SIM-NEXT: .out_valid (out_valid)
// SIM-NEXT: );
// SIM-NEXT: endmodule
