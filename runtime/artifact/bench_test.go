package artifact

import (
	"bytes"
	"testing"
)

func benchParse(b *testing.B, a *Artifact) {
	data := mustMarshal(b, a)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSmall(b *testing.B) { benchParse(b, sampleArtifact()) }
func BenchmarkParse10k(b *testing.B)   { benchParse(b, bigArtifact(10000)) }

func BenchmarkParseReaderAt10k(b *testing.B) {
	data := mustMarshal(b, bigArtifact(10000))
	r := bytes.NewReader(data)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReaderAt(r, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal10k(b *testing.B) {
	a := bigArtifact(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(a); err != nil {
			b.Fatal(err)
		}
	}
}
