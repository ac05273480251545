package artifact

import (
	"bytes"
	"testing"
)

func benchParse(b *testing.B, a *Artifact, o Options) {
	data := mustMarshal(b, a)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseWith(data, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSmall(b *testing.B) { benchParse(b, sampleArtifact(), Options{}) }
func BenchmarkParse10k(b *testing.B)   { benchParse(b, bigArtifact(10000), Options{}) }

// BenchmarkParseLazy100k is what loading a module to run it costs: 300,000
// trap sites kept encoded.
func BenchmarkParseLazy100k(b *testing.B) {
	benchParse(b, bigArtifact(100000), Options{LazySites: true})
}

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

// BenchmarkDigest is the cost of checking the digests of an artifact with
// 4 MiB of code: the MB/s column is the verification speed.
func BenchmarkDigest(b *testing.B) {
	a := sampleArtifact()
	a.Text = append(a.Text, make([]byte, 4<<20)...)
	data := mustMarshal(b, a)
	f, err := readHeaders(memSource(data), uint64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := checkDigests(memSource(data), uint64(len(data)), f, f.byName[secMeta]); err != nil {
			b.Fatal(err)
		}
	}
}
