using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>One photo of the folder form as it goes: its request ID and operation once submitted, then its progress and end.</summary>
internal sealed class PhotoJob(PhotoInput input, string? outputPath)
{
    public PhotoInput Input { get; } = input;

    /// <summary>Where its result goes; null when detached without <c>-o</c>.</summary>
    public string? OutputPath { get; } = outputPath;

    public string? RequestId { get; set; }

    public string? Operation { get; set; }

    public PhotoState State { get; set; }

    /// <summary>The queue position while queued.</summary>
    public int QueuePosition { get; set; }

    public int Iteration { get; set; }

    public int TotalIterations { get; set; }

    /// <summary>What people read after the state: the result's size, or why it failed.</summary>
    public string? Detail { get; set; }

    public bool Ended => State is PhotoState.Written or PhotoState.Kept or PhotoState.Submitted or PhotoState.Failed;

    /// <summary>The state as a row shows it (after the photo's name).</summary>
    public string Describe() => State switch
    {
        PhotoState.Waiting => Operation is null ? "waiting" : $"submitted {Operation}",
        PhotoState.Queued => QueuePosition > 0 ? $"queued, position {QueuePosition}" : "queued",
        PhotoState.Running => TotalIterations > 0 ? $"iter {Iteration}/{TotalIterations}" : "running",
        PhotoState.Written => $"wrote {OutputPath}{(Detail is null ? "" : $" ({Detail})")}",
        PhotoState.Kept => $"kept {OutputPath} (already there)",
        PhotoState.Submitted => $"submitted {Operation}",
        _ => $"failed: {Detail}",
    };
}
