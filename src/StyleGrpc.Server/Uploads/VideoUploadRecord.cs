namespace StyleGrpc.Server.Uploads;

/// <summary>A stored upload (UploadVideo): whose it is, how large, in how many chunks, and until when it is kept.</summary>
/// <param name="Id">The upload's ID (<see cref="UploadNames"/>).</param>
/// <param name="Caller">Who uploaded it: only they see it.</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Chunks">How many chunks it is stored in, each <see cref="VideoUploads.ChunkBytes"/> but the last.</param>
/// <param name="Sha256">The file's SHA-256, lowercase hex.</param>
/// <param name="CreateTime">When its last piece was stored.</param>
/// <param name="ExpireTime">When it is deleted.</param>
public sealed record VideoUploadRecord(string Id, string Caller, long SizeBytes, int Chunks, string Sha256, DateTimeOffset CreateTime, DateTimeOffset ExpireTime);
