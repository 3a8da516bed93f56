using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ErrorInfo = Google.Rpc.ErrorInfo;
using Grpc.Core;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Writes the answer to a refused request (<see cref="CredentialsRejectedException"/>, <see cref="PermissionDeniedException"/>)
/// before any service code runs, as every other error is answered (AIP-193, <see cref="ErrorStatuses"/>): gRPC callers get a
/// trailers-only response with <c>grpc-status</c>, <c>grpc-message</c> and <c>grpc-status-details-bin</c> (ErrorInfo);
/// HTTP callers the same status as JSON (<c>code</c>, <c>message</c>, <c>details</c>) with 401, 403, or 503 when the identity
/// provider could not be reached.
/// </summary>
public static class AccessRefusal
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromMessages(ErrorInfo.Descriptor)));

    /// <summary>Answers the request with the status <paramref name="refusal"/> maps to.</summary>
    public static Task WriteAsync(HttpResponse response, Exception refusal)
    {
        var status = ErrorStatuses.Of(refusal, development: false);
        if (response.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
            return Task.CompletedTask;
        }
        var unauthenticated = status.Code == (int)StatusCode.Unauthenticated;
        response.StatusCode = HttpStatuses.Of((StatusCode)status.Code);
        if (unauthenticated)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }
        response.ContentType = "application/json";
        return response.WriteAsync(Json.Format(status));
    }

    /// <summary>The caller's role as a refusal names it: <c>admin</c>, <c>user</c> or <c>none</c>.</summary>
    public static string RoleOf(HttpContext context) =>
        context.User.IsInRole(AccessRoles.Admin) ? AccessRoles.Admin : context.User.IsInRole(AccessRoles.User) ? AccessRoles.User : "none";
}
