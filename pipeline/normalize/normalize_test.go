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
	if got := n.Original(i, i+len("这事我管不了")); got != "这事 我管不了" {
		t.Errorf("Original = %q", got)
	}
	j := strings.Index(n.Norm, "ab")
	n2 := New("ＡＢ")
	if got := n2.Original(0, len(n2.Norm)); got != "ＡＢ" || j != -1 {
		t.Errorf("Original of full-width = %q", got)
	}
}
