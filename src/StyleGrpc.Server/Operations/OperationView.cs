using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// An operation as callers see it: the job's record and, once it succeeded, its result: a Stylize job's
/// <paramref name="Result"/>, or a training's style as it is now (<paramref name="Style"/>; null when it was deleted since).
/// </summary>
public sealed record OperationView(JobRecord Record, Result? Result, Storage.StyleRecord? Style = null);
