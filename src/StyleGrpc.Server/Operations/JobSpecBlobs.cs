using System.Text.Json;
using System.Text.Json.Serialization;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Writes each byte field of a job's spec (its images and masks) as an index into a list of blobs kept beside the JSON, so the
/// stored spec holds them once, as binary; reads such an index back, and base64 as specs stored before it did.
/// <see cref="JobSpecJson"/> sets the list for the length of one call (serialising is synchronous: a thread-static is its scope).
/// </summary>
public sealed class JobSpecBlobs : JsonConverter<ReadOnlyMemory<byte>>
{
    [ThreadStatic]
    private static List<ReadOnlyMemory<byte>>? current;

    /// <summary>Runs <paramref name="call"/> with <paramref name="blobs"/> as the list byte fields are written to or read from.</summary>
    public static T With<T>(List<ReadOnlyMemory<byte>> blobs, Func<T> call)
    {
        var outer = current;
        current = blobs;
        try
        {
            return call();
        }
        finally
        {
            current = outer;
        }
    }

    public override ReadOnlyMemory<byte> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            var index = reader.GetInt32();
            return current is { } blobs && index >= 0 && index < blobs.Count
                ? blobs[index]
                : throw new InvalidDataException($"the job spec names blob {index}, which is not stored with it");
        }
        return reader.GetBytesFromBase64();
    }

    public override void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> value, JsonSerializerOptions options)
    {
        if (current is not { } blobs)
        {
            writer.WriteBase64StringValue(value.Span);
            return;
        }
        writer.WriteNumberValue(blobs.Count);
        blobs.Add(value);
    }
}
