using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// A gRPC caller at the level of HTTP/2 frames over a real socket, for what a well-behaved client never does:
/// it sends one unary-request call and then reads nothing and grants no flow-control window, so the server's
/// writes stop once the initial 64 KiB window is used. It can read the frames later to see how the call ended.
/// </summary>
internal sealed class RawHttp2Client : IDisposable
{
    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, GoAway = 0x7;
    private const byte EndStream = 0x1, EndHeaders = 0x4;
    private readonly TcpClient tcp;
    private readonly NetworkStream stream;

    private RawHttp2Client(TcpClient tcp)
    {
        this.tcp = tcp;
        stream = tcp.GetStream();
    }

    /// <summary>Opens a connection to <paramref name="address"/> (http://host:port) and starts one call on stream 1.</summary>
    public static async Task<RawHttp2Client> StartCallAsync(string address, string path, IMessage request)
    {
        var uri = new Uri(address);
        var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var client = new RawHttp2Client(tcp);
        await client.stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await client.WriteFrameAsync(Settings, 0, 0, Array.Empty<byte>());
        var headers = new MemoryStream();
        foreach (var (name, value) in new[]
                 {
                     (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", uri.Authority),
                     ("content-type", "application/grpc"), ("te", "trailers"),
                 })
        {
            // HPACK literal header field without indexing, new name, no Huffman coding.
            headers.WriteByte(0x00);
            WriteString(headers, name);
            WriteString(headers, value);
        }
        await client.WriteFrameAsync(Headers, EndHeaders, 1, headers.ToArray());
        var payload = request.ToByteArray();
        var message = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(message, 5);
        for (var offset = 0; offset < message.Length; offset += 16384)
        {
            var length = Math.Min(16384, message.Length - offset);
            await client.WriteFrameAsync(Data, offset + length == message.Length ? EndStream : (byte)0, 1, message.AsMemory(offset, length));
        }
        return client;
    }

    /// <summary>
    /// Starts reading (still granting no window): returns how stream 1 ended, "trailers" (a HEADERS frame that ends
    /// it) or "reset" (RST_STREAM or GOAWAY), with the DATA bytes that came before; null when nothing ended it in time.
    /// </summary>
    public async Task<(string Ending, int DataBytes)?> ReadUntilStreamEndsAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = new byte[9];
        var dataBytes = 0;
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(header, cancel.Token);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF;
                var body = new byte[length];
                await stream.ReadExactlyAsync(body, cancel.Token);
                if (type == Settings && (flags & 0x1) == 0)
                {
                    await WriteFrameAsync(Settings, 0x1, 0, Array.Empty<byte>());
                }
                if (streamId == 1 && type == Data)
                {
                    dataBytes += length;
                }
                if (streamId == 1 && type == Headers && (flags & EndStream) != 0)
                {
                    return ("trailers", dataBytes);
                }
                if ((streamId == 1 && type == RstStream) || type == GoAway)
                {
                    return ("reset", dataBytes);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or EndOfStreamException or IOException)
        {
            return ex is OperationCanceledException ? null : ("closed", dataBytes);
        }
    }

    private async Task WriteFrameAsync(byte type, byte flags, uint streamId, ReadOnlyMemory<byte> payload)
    {
        var header = new byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), streamId);
        await stream.WriteAsync(header);
        await stream.WriteAsync(payload);
        await stream.FlushAsync();
    }

    private static void WriteString(Stream target, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        // 7-bit prefix integer (RFC 7541 5.1), H bit clear.
        if (bytes.Length < 127)
        {
            target.WriteByte((byte)bytes.Length);
        }
        else
        {
            target.WriteByte(127);
            var rest = bytes.Length - 127;
            while (rest >= 128)
            {
                target.WriteByte((byte)((rest & 0x7F) | 0x80));
                rest >>= 7;
            }
            target.WriteByte((byte)rest);
        }
        target.Write(bytes);
    }

    public void Dispose() => tcp.Dispose();
}
