package artifact

func lzcntWorks() bool { return lzcnt32(1) == 31 }
