namespace Orchestrator.Glue.Local;

/// <summary>Input the local engine cannot use (missing folder, bad file, bad argument); the message names it.</summary>
public sealed class LakeInputException : Exception
{
    public LakeInputException()
    {
    }

    public LakeInputException(string message)
        : base(message)
    {
    }

    public LakeInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
