namespace StyleGrpc.Server.Jobs.Events;

/// <summary>A training completed and its network is stored with the style; always the last event of a successful training.</summary>
/// <param name="StyleId">The style whose network it is.</param>
/// <param name="Version">The network's version (<see cref="Storage.FeedForwardInfo.Version"/>).</param>
/// <param name="Iterations">Iterations run in all (across attempts).</param>
/// <param name="FinalLoss">Weighted total loss of the last iterations.</param>
public sealed record JobTrained(string StyleId, int Version, int Iterations, double FinalLoss) : JobEvent;
