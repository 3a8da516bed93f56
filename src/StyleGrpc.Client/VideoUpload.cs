namespace StyleGrpc.Client;

/// <summary>
/// A video stored on the server by <see cref="StyleGrpcClient.UploadVideoAsync"/>, for jobs that name it instead of carrying
/// the file (<see cref="StyleGrpcClient.SubmitStylizeVideoAsync(VideoUpload, StyleSpec, StylizeVideoOptions?, CancellationToken)"/>):
/// any size up to <see cref="ServerVideoLimits.MaxBytes"/>, whatever the message limit.
/// </summary>
/// <param name="Name">"uploads/{id}".</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Sha256">Its SHA-256 as the server computed it, lowercase hex.</param>
/// <param name="CreateTime">When it was stored.</param>
/// <param name="ExpireTime">When the server deletes it: jobs must be submitted before.</param>
public sealed record VideoUpload(string Name, long SizeBytes, string Sha256, DateTimeOffset CreateTime, DateTimeOffset ExpireTime);
