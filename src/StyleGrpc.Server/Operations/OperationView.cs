using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Operations;

/// <summary>An operation as callers see it: the job's record and, once it succeeded, its result.</summary>
public sealed record OperationView(JobRecord Record, Result? Result);
