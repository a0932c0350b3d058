// Simulation model (ATHEENA, for gate-level checks of `dsp_registers`): behaviour of the ECP5 sysDSP MULT18X18D as the packer uses it (Lattice FPGA-TN-02205):
// 18x18 multiply, operands signed when SIGNEDA/SIGNEDB, an optional register on each
// operand and on the product, all clocked by CLK0, enabled by the CE the parameter names,
// synchronously cleared by RST0.  C, SOURCE and the shift chains are not modelled.
module MULT18X18D(
  input A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17,
  input B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17,
  input C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17,
  input SIGNEDA, SIGNEDB, SOURCEA, SOURCEB, CLK0, CE0, CE1, CE2, CE3, RST0,
  output P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15, P16, P17,
  output P18, P19, P20, P21, P22, P23, P24, P25, P26, P27, P28, P29, P30, P31, P32, P33, P34, P35);
  parameter REG_INPUTA_CLK = "NONE";
  parameter REG_INPUTA_CE = "CE0";
  parameter REG_INPUTA_RST = "RST0";
  parameter REG_INPUTB_CLK = "NONE";
  parameter REG_INPUTB_CE = "CE0";
  parameter REG_INPUTB_RST = "RST0";
  parameter REG_OUTPUT_CLK = "NONE";
  parameter REG_OUTPUT_CE = "CE0";
  parameter REG_OUTPUT_RST = "RST0";
  parameter GSR = "ENABLED";
  parameter RESETMODE = "SYNC";
  wire [3:0] ce = {CE3, CE2, CE1, CE0};
  function automatic enabled(input [3:0] ces, input [31:0] name);
    enabled = name == "CE0" ? ces[0] : name == "CE1" ? ces[1] : name == "CE2" ? ces[2] : ces[3];
  endfunction
  wire [17:0] a = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
  wire [17:0] b = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
  reg [17:0] a_reg = 0, b_reg = 0;
  reg [35:0] p_reg = 0;
  wire [17:0] a_in = REG_INPUTA_CLK == "NONE" ? a : a_reg;
  wire [17:0] b_in = REG_INPUTB_CLK == "NONE" ? b : b_reg;
  wire [35:0] a_ext = SIGNEDA ? {{18{a_in[17]}}, a_in} : {18'b0, a_in};
  wire [35:0] b_ext = SIGNEDB ? {{18{b_in[17]}}, b_in} : {18'b0, b_in};
  wire [35:0] product = a_ext * b_ext;
  always @(posedge CLK0) begin
    if (RST0) begin
      a_reg <= 0; b_reg <= 0; p_reg <= 0;
    end else begin
      if (enabled(ce, REG_INPUTA_CE)) a_reg <= a;
      if (enabled(ce, REG_INPUTB_CE)) b_reg <= b;
      if (enabled(ce, REG_OUTPUT_CE)) p_reg <= product;
    end
  end
  wire [35:0] p = REG_OUTPUT_CLK == "NONE" ? product : p_reg;
  assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18,
          P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = p;
endmodule
