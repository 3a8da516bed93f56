using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>Shows a video job's progress while <c>run</c> stylises it (and writes the file), then the result.</summary>
internal interface IVideoReporter
{
    /// <param name="run">Stylises the video, reporting to the progress it is given; returns the result once it is written.</param>
    /// <param name="outputPath">Where the result was written.</param>
    Task<VideoCompleted> RunAsync(Func<IProgress<VideoProgress>, Task<VideoCompleted>> run, string outputPath);
}
