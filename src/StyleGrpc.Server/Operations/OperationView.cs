using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// An operation as callers see it: the job's record and, once it succeeded, its result: a Stylize job's
/// <paramref name="Result"/>, or a training's style as it is now (<paramref name="Style"/>). Both are null in listings, and
/// the style when it was deleted since: the operation is then done without a response.
/// </summary>
public sealed record OperationView(JobRecord Record, Result? Result, Storage.StyleRecord? Style = null);
