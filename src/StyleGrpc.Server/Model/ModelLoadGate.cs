namespace StyleGrpc.Server.Model;

/// <summary>
/// Lets the host hold back the network load (integration tests observe NOT_SERVING with it; a host
/// could wait for a weights download). The default gate is open.
/// </summary>
public sealed class ModelLoadGate
{
    private readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModelLoadGate(bool isOpen = true)
    {
        if (isOpen)
        {
            Open();
        }
    }

    public Task WhenOpen => open.Task;

    public void Open() => open.TrySetResult();
}
