namespace StyleGrpc.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its handler at once on the reporting thread: reports arrive in order and are shown
/// before the call that made them returns (<see cref="Progress{T}"/> posts them to the thread pool, out of order).
/// </summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
