using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// Describes a path parameter that <see cref="TranscodedPath"/> made from a resource-name variable: its value is the
/// wildcard's part only, so the field's own proto comment ("styles/{style_id}") would mislead.
/// </summary>
internal sealed class TranscodedPathOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var rule = context.ApiDescription.ActionDescriptor.EndpointMetadata?.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.HttpRule;
        if (rule is null || TranscodedPath.Of(rule) is not { } path)
        {
            return;
        }
        foreach (var parameter in operation.Parameters.Where(p => p.In == ParameterLocation.Path))
        {
            if (path.Wildcards.TryGetValue(parameter.Name, out var template))
            {
                parameter.Description = $"The part of `{parameter.Name}` that the wildcard matches: the request's `{parameter.Name}` is `{template}` with this value in place of the `*`.";
            }
        }
    }
}
