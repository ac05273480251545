package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wasiaot/wasiaot/runtime"
)

// metrics are the node's Prometheus series, in a registry of their own so
// that several Servers in one process (tests) do not collide.
type metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.CounterVec   // route, code
	duration      *prometheus.HistogramVec // route
	instanceStart *prometheus.HistogramVec // route: wall time
	startCPU      *prometheus.HistogramVec // route: CPU time
	failures      *prometheus.CounterVec   // route, kind
	inUse         *prometheus.GaugeVec     // route
	queued        *prometheus.GaugeVec     // route
	slots         *prometheus.GaugeVec     // route: the concurrency cap
	memory        *prometheus.HistogramVec // route: linear memory at the end of a request
	loads         *prometheus.CounterVec   // route, result
	responseBytes *prometheus.CounterVec   // route
}

func newMetrics() *metrics {
	const ns = "wasiaot_serve"
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "requests_total",
		Help: "Requests answered, by route and status code (0: the response was cut after its status)."},
		[]string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "request_duration_seconds",
		Help:    "Time from a request's arrival to the end of its response.",
		Buckets: prometheus.ExponentialBuckets(25e-6, 2, 20)}, []string{"route"})
	m.instanceStart = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "instance_start_seconds",
		Help:    "Wall time to make a request's sandbox: WASI context and instantiation, before _start runs; waiting for a CPU included.",
		Buckets: prometheus.ExponentialBuckets(1e-6, 2, 16)}, []string{"route"})
	m.startCPU = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "instance_start_cpu_seconds",
		Help:    "CPU time the server spends making a request's sandbox (WASI context and instantiation, before _start runs): the work, without waiting for a CPU.",
		Buckets: cpuBuckets}, []string{"route"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "failures_total",
		Help: "Requests that failed, by kind: a trap's kind, deadline, exit, bad_response, request_too_large, response_too_large, client_gone, rejected."},
		[]string{"route", "kind"})
	m.inUse = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "instances_in_use",
		Help: "Instances running a request now."}, []string{"route"})
	m.queued = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "queued_requests",
		Help: "Requests waiting for a free slot."}, []string{"route"})
	m.slots = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "instance_slots",
		Help: "How many instances a route may run at once (its concurrency cap)."}, []string{"route"})
	m.memory = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "instance_memory_bytes",
		Help:    "Linear memory size of an instance when its request ended.",
		Buckets: prometheus.ExponentialBuckets(64<<10, 4, 10)}, []string{"route"})
	m.loads = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "artifact_loads_total",
		Help: "Artifact loads and reloads, by result (ok, error)."}, []string{"route", "result"})
	m.responseBytes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "response_body_bytes_total",
		Help: "Response body bytes sent."}, []string{"route"})
	m.reg.MustRegister(m.requests, m.duration, m.instanceStart, m.startCPU, m.failures, m.inUse, m.queued,
		m.slots, m.memory, m.loads, m.responseBytes,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// cpuBuckets are the instance start CPU histogram's bounds: fine around
// the 10 µs a start should take.
var cpuBuckets = []float64{1e-6, 2e-6, 3e-6, 4e-6, 5e-6, 6e-6, 8e-6, 10e-6, 12e-6, 15e-6, 20e-6,
	30e-6, 50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 20e-3, 50e-3}

// poolGauges registers the idle linear memories that idle reports.
func (m *metrics) poolGauges(idle func() runtime.IdleMemory) {
	const ns = "wasiaot_serve"
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "pool_idle_memories",
			Help: "Idle linear memories kept for reuse (address space reserved, cheap to instantiate into)."},
			func() float64 { return float64(idle().Memories) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "pool_idle_resident_bytes",
			Help: "Zeroed pages the idle linear memories keep resident for the next instances: part of the RSS, bounded per memory limit."},
			func() float64 { return float64(idle().ResidentBytes) }))
}

// routeMetrics are one route's series, resolved once so that a request does
// not look labels up.
type routeMetrics struct {
	duration, instanceStart, memory prometheus.Observer
	instanceStartCPU                prometheus.Observer
	inUse, queued                   prometheus.Gauge
	responseBytes                   prometheus.Counter
	ok                              prometheus.Counter // 200
	m                               *metrics
	route                           string
}

func (m *metrics) forRoute(route string) *routeMetrics {
	return &routeMetrics{
		duration:         m.duration.WithLabelValues(route),
		instanceStart:    m.instanceStart.WithLabelValues(route),
		instanceStartCPU: m.startCPU.WithLabelValues(route),
		memory:           m.memory.WithLabelValues(route),
		inUse:            m.inUse.WithLabelValues(route),
		queued:           m.queued.WithLabelValues(route),
		responseBytes:    m.responseBytes.WithLabelValues(route),
		ok:               m.requests.WithLabelValues(route, "200"),
		m:                m,
		route:            route,
	}
}

func (rm *routeMetrics) answered(code int) {
	if code == 200 {
		rm.ok.Inc()
		return
	}
	rm.m.requests.WithLabelValues(rm.route, codeLabel(code)).Inc()
}

func (rm *routeMetrics) failed(kind string) {
	rm.m.failures.WithLabelValues(rm.route, kind).Inc()
}

func codeLabel(code int) string {
	if code <= 0 {
		return "0"
	}
	var b [3]byte
	b[0] = byte('0' + code/100%10)
	b[1] = byte('0' + code/10%10)
	b[2] = byte('0' + code%10)
	return string(b[:])
}
