"""Where fingertip keeps data between the landing folder and the analysts: the
warehouse file's lock (one writer at a time), and waiting for it with a limit."""
