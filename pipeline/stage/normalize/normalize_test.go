package normalize

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, norm string }{
		{"您好，工号１０８６！", "您好工号1086"},
		{"ＡＢＣ Hello\u3000世界。", "abchello世界"},
		{"\u200b零宽\ufeff字符\x00", "零宽字符"},
		{"", ""},
		{"\xff坏字节", "坏字节"},
		{"這事我管不了，帳單問題請到營業廳", "这事我管不了帐单问题请到营业厅"},
		{"乾燥的天氣", "干燥的天气"},
		{"請問還有其他可以幫您的嗎？", "请问还有其他可以帮您的吗"},
	}
	for _, tt := range tests {
		if got := New(tt.in).Norm; got != tt.norm {
			t.Errorf("New(%q).Norm = %q, want %q", tt.in, got, tt.norm)
		}
	}
}

func TestOriginal(t *testing.T) {
	orig := "那个，这事 我管不了！你自己去营业厅问吧。"
	n := New(orig)
	i := strings.Index(n.Norm, "这事我管不了")
	if got := n.Quoter()(i, i+len("这事我管不了")); got != "这事 我管不了" {
		t.Errorf("Original = %q", got)
	}
	j := strings.Index(n.Norm, "ab")
	n2 := New("ＡＢ")
	if got := n2.Quoter()(0, len(n2.Norm)); got != "ＡＢ" || j != -1 {
		t.Errorf("Original of full-width = %q", got)
	}
}

func TestOriginalOfTraditional(t *testing.T) {
	orig := "先生，這事 我管不了！"
	n := New(orig)
	i := strings.Index(n.Norm, "这事我管不了")
	if i < 0 {
		t.Fatalf("norm %q", n.Norm)
	}
	if got := n.Quoter()(i, i+len("这事我管不了")); got != "這事 我管不了" {
		t.Errorf("Original = %q, want the Traditional words as written", got)
	}
}

func BenchmarkNew(b *testing.B) {
	s := strings.Repeat("您好，工号1086，很高兴为您服务，请问有什么可以帮您？", 4)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		New(s)
	}
}
