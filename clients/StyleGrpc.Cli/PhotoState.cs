namespace StyleGrpc.Cli;

/// <summary>Where one photo of the folder form stands; the last four are ends.</summary>
internal enum PhotoState
{
    Waiting,
    Queued,
    Running,
    Written,
    Kept,
    Submitted,
    Failed,
}
