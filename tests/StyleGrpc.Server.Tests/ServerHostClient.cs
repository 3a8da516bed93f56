using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

internal static class ServerHostClient
{
    extension(ServerHost host)
    {
        /// <summary>A raw generated client on the host's channel.</summary>
        public StyleTransferService.StyleTransferServiceClient Client => new(host.Channel);
    }
}
