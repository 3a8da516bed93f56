namespace StyleGrpc.Server.Settings;

/// <summary>The Prometheus endpoint, <c>StyleGrpc:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Plain-HTTP address whose <c>/metrics</c> serves Prometheus text (its own port, apart from gRPC). Default
    /// <c>http://127.0.0.1:9464</c>; empty switches metrics off.
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:9464";
}
