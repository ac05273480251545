package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/wasiaot/wasiaot/bench/internal/workload"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart draws grouped bars, one group per workload and one bar per engine,
// of the execution-time ratio to native on a log scale. Bars are heights of
// log10(ratio) on a linear axis labelled in ratios, so they grow up from
// 1× (native) for slower engines and down for faster ones.
func (r *Report) Chart(width vg.Length) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Execution time relative to native (log scale, lower is better)"
	p.Y.Label.Text = "× native"
	p.Y.Tick.Marker = ratioTicks{}
	p.Legend.Top = true
	p.Legend.Left = true

	var names []string
	for _, wi := range r.Workloads {
		if wi.Group != workload.GroupCompile { // compiled only: no ratio to native
			names = append(names, wi.Name)
		}
	}
	var engines []string
	for _, e := range r.Columns() {
		if e.Name != Baseline {
			engines = append(engines, e.Name)
		}
	}
	if len(names) == 0 || len(engines) == 0 {
		return nil, fmt.Errorf("nothing to chart")
	}
	// Each workload's group of bars fills 80% of its slot on the X axis
	// (about an inch goes to the Y axis and margins).
	slot := (width - vg.Inch) / vg.Length(len(names))
	bar := max(slot*0.8/vg.Length(len(engines)), vg.Points(1))
	lo, hi := 0.0, 0.0
	for i, e := range engines {
		vals := make(plotter.Values, len(names))
		for j, w := range names {
			x := r.Ratio(w, e)
			if math.IsNaN(x) || x <= 0 {
				continue // failed or missing: no bar
			}
			vals[j] = math.Log10(x)
			lo, hi = math.Min(lo, vals[j]), math.Max(hi, vals[j])
		}
		bars, err := plotter.NewBarChart(vals, bar)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i)
		bars.Offset = vg.Length(float64(i)-float64(len(engines)-1)/2) * bar
		p.Add(bars)
		p.Legend.Add(e, bars)
	}
	p.Add(plotter.NewGrid())
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = -1
	p.X.Tick.Label.YAlign = -0.5
	p.Y.Min = math.Floor(lo)
	p.Y.Max = math.Ceil(hi + 0.3)
	return p, nil
}

// SaveChart writes the chart to path; the extension picks the format
// (.svg, .png, .pdf).
func (r *Report) SaveChart(path string) error {
	w := vg.Length(math.Max(8, 0.6*float64(len(r.Workloads)))) * vg.Inch
	p, err := r.Chart(w)
	if err != nil {
		return err
	}
	return p.Save(w, 5*vg.Inch, path)
}

// ratioTicks labels a log10 axis with the ratios 0.1×, 1×, 10×, ...
type ratioTicks struct{}

func (ratioTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		ts = append(ts, plot.Tick{Value: e, Label: strconv.FormatFloat(math.Pow(10, e), 'g', -1, 64) + "×"})
		for k := 2.0; k < 10; k++ {
			if v := e + math.Log10(k); v < max {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	return ts
}
