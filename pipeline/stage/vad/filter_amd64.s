//go:build !purego

#include "textflag.h"

// func filterStereoSSE(block, ldst, rdst *float32, n int, state *[14]float32, coef *[4]float32, energy *[4]float32, zeros *[2]int)
//
// Each X register holds a pair (left, right) in its low two lanes:
// X1 x1, X2 d1, X3 u1, X4 u2, X5 s1, X6 v1, X7 v2; X8-X11 the coefficients
// ha1, ha2, la1, la2 in every lane; X12 the sum of u², X13 the sum of v²;
// X0, X14, X15 scratch; R11 and R12 count the exact zeros of each channel.
// Per sample, as measureStereoGo:
//   d = x - x1; u = ((d - d1) - ha2·u2) - ha1·u1; s = u + u1
//   v = ((s + s1) - la2·v2) - la1·v1
TEXT ·filterStereoSSE(SB), NOSPLIT, $0-64
	MOVQ block+0(FP), SI
	MOVQ ldst+8(FP), DI
	MOVQ rdst+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ state+32(FP), DX
	MOVQ coef+40(FP), R9

	MOVSD 0(DX), X1
	MOVSD 8(DX), X2
	MOVSD 16(DX), X3
	MOVSD 24(DX), X4
	MOVSD 32(DX), X5
	MOVSD 40(DX), X6
	MOVSD 48(DX), X7

	MOVSS 0(R9), X8
	SHUFPS $0x00, X8, X8
	MOVSS 4(R9), X9
	SHUFPS $0x00, X9, X9
	MOVSS 8(R9), X10
	SHUFPS $0x00, X10, X10
	MOVSS 12(R9), X11
	SHUFPS $0x00, X11, X11

	XORPS X12, X12
	XORPS X13, X13
	XORQ BX, BX
	XORQ R11, R11
	XORQ R12, R12

loop:
	MOVSD (SI)(BX*8), X0 // x
	XORPS X15, X15
	CMPPS X0, X15, $0    // lanes where x == 0
	MOVMSKPS X15, AX
	MOVL AX, R13
	ANDL $1, R13
	ADDQ R13, R11
	SHRL $1, AX
	ANDL $1, AX
	ADDQ AX, R12
	MOVAPS X0, X14
	SUBPS X1, X14        // d = x - x1
	MOVAPS X0, X1        // x1 = x
	MOVAPS X14, X0
	SUBPS X2, X0         // d - d1
	MOVAPS X14, X2       // d1 = d
	MOVAPS X4, X15
	MULPS X9, X15
	SUBPS X15, X0        // - ha2·u2
	MOVAPS X3, X15
	MULPS X8, X15
	SUBPS X15, X0        // u = ... - ha1·u1
	MOVAPS X3, X4        // u2 = u1
	MOVAPS X0, X14
	ADDPS X3, X14        // s = u + u1
	MOVAPS X0, X3        // u1 = u
	MULPS X0, X0
	ADDPS X0, X12        // sum of u²
	MOVAPS X14, X0
	ADDPS X5, X0         // s + s1
	MOVAPS X14, X5       // s1 = s
	MOVAPS X7, X15
	MULPS X11, X15
	SUBPS X15, X0        // - la2·v2
	MOVAPS X6, X15
	MULPS X10, X15
	SUBPS X15, X0        // v = ... - la1·v1
	MOVAPS X6, X7        // v2 = v1
	MOVAPS X0, X6        // v1 = v
	MOVSS X0, (DI)(BX*4) // left low band
	MOVAPS X0, X15
	SHUFPS $0x55, X15, X15
	MOVSS X15, (R8)(BX*4) // right low band
	MULPS X0, X0
	ADDPS X0, X13        // sum of v²
	INCQ BX
	CMPQ BX, CX
	JLT loop

	MOVSD X1, 0(DX)
	MOVSD X2, 8(DX)
	MOVSD X3, 16(DX)
	MOVSD X4, 24(DX)
	MOVSD X5, 32(DX)
	MOVSD X6, 40(DX)
	MOVSD X7, 48(DX)
	MOVQ energy+48(FP), R10
	MOVSD X12, 0(R10)
	MOVSD X13, 8(R10)
	MOVQ zeros+56(FP), R10
	MOVQ R11, 0(R10)
	MOVQ R12, 8(R10)
	RET
