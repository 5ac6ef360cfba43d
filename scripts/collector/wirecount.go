package main

// wirecount: a pass-through processor that counts what reached the pipeline by the HTTP
// headers of the request that carried it, so a test can tell from the Collector itself that
// the library's requests were gzip-compressed protobuf and that the Collector accepted them.
//
// It needs `include_metadata: true` on the OTLP receiver's HTTP protocol (the headers are
// then in the request's client.Info) and must come before any batch processor, which drops
// that context. It changes nothing and refuses nothing. Its counters, in the Collector's own
// telemetry (the Prometheus reader of `service.telemetry.metrics`):
//
//	rnos_wire_requests{signal, content_encoding, content_type}  export requests
//	rnos_wire_items{signal, content_encoding, content_type}     spans or log records in them
//
// A header that was absent is counted as "none".

import (
	"context"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

type wirecountConfig struct{}

func newWirecountFactory() processor.Factory {
	return processor.NewFactory(
		component.MustNewType("wirecount"),
		func() component.Config { return &wirecountConfig{} },
		processor.WithTraces(func(_ context.Context, set processor.Settings, _ component.Config, next consumer.Traces) (processor.Traces, error) {
			c, err := newCounter(set, "traces")
			return &wirecount{counter: c, traces: next}, err
		}, component.StabilityLevelDevelopment),
		processor.WithLogs(func(_ context.Context, set processor.Settings, _ component.Config, next consumer.Logs) (processor.Logs, error) {
			c, err := newCounter(set, "logs")
			return &wirecount{counter: c, logs: next}, err
		}, component.StabilityLevelDevelopment),
	)
}

type counter struct {
	signal   string
	requests metric.Int64Counter
	items    metric.Int64Counter
}

func newCounter(set processor.Settings, signal string) (*counter, error) {
	meter := set.MeterProvider.Meter("react-native-otel-sessions/wirecount")
	requests, err := meter.Int64Counter("rnos_wire_requests", metric.WithDescription("OTLP export requests by Content-Encoding and Content-Type"))
	if err != nil {
		return nil, err
	}
	items, err := meter.Int64Counter("rnos_wire_items", metric.WithDescription("spans or log records by the Content-Encoding and Content-Type of their request"))
	if err != nil {
		return nil, err
	}
	return &counter{signal: signal, requests: requests, items: items}, nil
}

func header(md client.Metadata, name string) string {
	if v := md.Get(name); len(v) > 0 {
		return v[0]
	}
	return "none"
}

func (c *counter) count(ctx context.Context, items int) {
	md := client.FromContext(ctx).Metadata
	attrs := metric.WithAttributes(
		attribute.String("signal", c.signal),
		attribute.String("content_encoding", header(md, "Content-Encoding")),
		attribute.String("content_type", header(md, "Content-Type")),
	)
	c.requests.Add(ctx, 1, attrs)
	c.items.Add(ctx, int64(items), attrs)
}

// wirecount is the processor of one pipeline: traces (next consumer in `traces`) or logs.
type wirecount struct {
	component.StartFunc
	component.ShutdownFunc
	counter *counter
	traces  consumer.Traces
	logs    consumer.Logs
}

func (p *wirecount) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (p *wirecount) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	p.counter.count(ctx, td.SpanCount())
	return p.traces.ConsumeTraces(ctx, td)
}

func (p *wirecount) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	p.counter.count(ctx, ld.LogRecordCount())
	return p.logs.ConsumeLogs(ctx, ld)
}
