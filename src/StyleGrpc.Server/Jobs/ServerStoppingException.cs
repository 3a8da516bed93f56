namespace StyleGrpc.Server.Jobs;

/// <summary>The server is shutting down and takes no new work.</summary>
public sealed class ServerStoppingException(string message = "the server is stopping and takes no new jobs; retry on another replica")
    : Exception(message);
