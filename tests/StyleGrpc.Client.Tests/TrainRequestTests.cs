using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>What the library sends for TrainStyleNetworkAsync: a network meant for video, and the server's defaults left unset.</summary>
public sealed class TrainRequestTests
{
    [Fact]
    public void ToRequest_ForVideo_CarriesTheStabilityWeightAndTheShiftedLoss()
    {
        var request = ProtoConversions.ToRequest("starry", new TrainStyleNetworkOptions { StabilityWeight = 30, ShiftedLoss = true });

        Assert.Equal(("starry", true, 30d, true), (request.Name, request.HasStabilityWeight, request.StabilityWeight, request.ShiftedLoss));
    }

    [Fact]
    public void ToRequest_Defaults_LeaveStabilityUnsetAndTheShiftedLossOff()
    {
        var request = ProtoConversions.ToRequest("starry", null);

        Assert.Equal((false, false), (request.HasStabilityWeight, request.ShiftedLoss));
    }
}
