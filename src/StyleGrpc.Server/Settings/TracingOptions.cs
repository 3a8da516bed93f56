namespace StyleGrpc.Server.Settings;

/// <summary>Traces, <c>StyleGrpc:Tracing</c>.</summary>
public sealed class TracingOptions
{
    /// <summary>
    /// OTLP endpoint traces are exported to (ASP.NET Core, gRPC and a span per job with queue wait, target resolution and
    /// run), e.g. <c>http://otel-collector:4317</c>. Empty (the default): tracing is off unless
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";
}
