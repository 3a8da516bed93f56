using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// An operation as callers see it: the job's record and, once it succeeded, its result: a Stylize job's
/// <paramref name="Result"/>, a video job's <see cref="Video"/>, or a training's style as it is now (<paramref name="Style"/>).
/// They are null in listings, and
/// the style when it was deleted since: the operation is then done without a response.
/// </summary>
public sealed record OperationView(JobRecord Record, Result? Result, Storage.StyleRecord? Style = null)
{
    /// <summary>A video job's result, once it has succeeded.</summary>
    public VideoResult? Video { get; init; }
}
