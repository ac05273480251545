package wasi

// Numeric values of wasi_snapshot_preview1 (witx typenames), so the rest of
// the package can speak the guest's ABI directly.

// Errno is a WASI error number as returned to the guest.
type Errno uint16

const (
	errnoSuccess        Errno = 0
	errno2big           Errno = 1
	errnoAcces          Errno = 2
	errnoAddrinuse      Errno = 3
	errnoAddrnotavail   Errno = 4
	errnoAfnosupport    Errno = 5
	errnoAgain          Errno = 6
	errnoAlready        Errno = 7
	errnoBadf           Errno = 8
	errnoBadmsg         Errno = 9
	errnoBusy           Errno = 10
	errnoCanceled       Errno = 11
	errnoChild          Errno = 12
	errnoConnaborted    Errno = 13
	errnoConnrefused    Errno = 14
	errnoConnreset      Errno = 15
	errnoDeadlk         Errno = 16
	errnoDestaddrreq    Errno = 17
	errnoDom            Errno = 18
	errnoDquot          Errno = 19
	errnoExist          Errno = 20
	errnoFault          Errno = 21
	errnoFbig           Errno = 22
	errnoHostunreach    Errno = 23
	errnoIdrm           Errno = 24
	errnoIlseq          Errno = 25
	errnoInprogress     Errno = 26
	errnoIntr           Errno = 27
	errnoInval          Errno = 28
	errnoIo             Errno = 29
	errnoIsconn         Errno = 30
	errnoIsdir          Errno = 31
	errnoLoop           Errno = 32
	errnoMfile          Errno = 33
	errnoMlink          Errno = 34
	errnoMsgsize        Errno = 35
	errnoMultihop       Errno = 36
	errnoNametoolong    Errno = 37
	errnoNetdown        Errno = 38
	errnoNetreset       Errno = 39
	errnoNetunreach     Errno = 40
	errnoNfile          Errno = 41
	errnoNobufs         Errno = 42
	errnoNodev          Errno = 43
	errnoNoent          Errno = 44
	errnoNoexec         Errno = 45
	errnoNolck          Errno = 46
	errnoNolink         Errno = 47
	errnoNomem          Errno = 48
	errnoNomsg          Errno = 49
	errnoNoprotoopt     Errno = 50
	errnoNospc          Errno = 51
	errnoNosys          Errno = 52
	errnoNotconn        Errno = 53
	errnoNotdir         Errno = 54
	errnoNotempty       Errno = 55
	errnoNotrecoverable Errno = 56
	errnoNotsock        Errno = 57
	errnoNotsup         Errno = 58
	errnoNotty          Errno = 59
	errnoNxio           Errno = 60
	errnoOverflow       Errno = 61
	errnoOwnerdead      Errno = 62
	errnoPerm           Errno = 63
	errnoPipe           Errno = 64
	errnoProto          Errno = 65
	errnoProtonosupport Errno = 66
	errnoPrototype      Errno = 67
	errnoRange          Errno = 68
	errnoRofs           Errno = 69
	errnoSpipe          Errno = 70
	errnoSrch           Errno = 71
	errnoStale          Errno = 72
	errnoTimedout       Errno = 73
	errnoTxtbsy         Errno = 74
	errnoXdev           Errno = 75
	errnoNotcapable     Errno = 76
)

// Rights bits.
const (
	rightFdDatasync uint64 = 1 << iota
	rightFdRead
	rightFdSeek
	rightFdFdstatSetFlags
	rightFdSync
	rightFdTell
	rightFdWrite
	rightFdAdvise
	rightFdAllocate
	rightPathCreateDirectory
	rightPathCreateFile
	rightPathLinkSource
	rightPathLinkTarget
	rightPathOpen
	rightFdReaddir
	rightPathReadlink
	rightPathRenameSource
	rightPathRenameTarget
	rightPathFilestatGet
	rightPathFilestatSetSize
	rightPathFilestatSetTimes
	rightFdFilestatGet
	rightFdFilestatSetSize
	rightFdFilestatSetTimes
	rightPathSymlink
	rightPathRemoveDirectory
	rightPathUnlinkFile
	rightPollFdReadwrite
	rightSockShutdown
	rightSockAccept

	rightsAll = rightSockAccept<<1 - 1

	// rightsDir are the rights that make sense on a directory fd. Not
	// FD_SEEK or FD_TELL: a directory has no byte offset (lseek on one
	// returns a file-system-specific cookie), as in Wasmtime.
	rightsDir = rightFdFdstatSetFlags | rightFdSync | rightFdAdvise |
		rightPathCreateDirectory | rightPathCreateFile | rightPathLinkSource |
		rightPathLinkTarget | rightPathOpen | rightFdReaddir | rightPathReadlink |
		rightPathRenameSource | rightPathRenameTarget | rightPathFilestatGet |
		rightPathFilestatSetSize | rightPathFilestatSetTimes | rightFdFilestatGet |
		rightFdFilestatSetTimes | rightPathSymlink | rightPathRemoveDirectory |
		rightPathUnlinkFile | rightFdDatasync

	// rightsFile are the rights that make sense on a regular file fd.
	rightsFile = rightFdDatasync | rightFdRead | rightFdSeek | rightFdFdstatSetFlags |
		rightFdSync | rightFdTell | rightFdWrite | rightFdAdvise | rightFdAllocate |
		rightFdFilestatGet | rightFdFilestatSetSize | rightFdFilestatSetTimes |
		rightPollFdReadwrite

	// rightsWrite are the rights a read-only preopen never grants a write for.
	rightsWrite = rightFdWrite | rightFdAllocate | rightFdFilestatSetSize |
		rightFdDatasync

	rightsSock = rightFdRead | rightFdWrite | rightFdFdstatSetFlags |
		rightFdFilestatGet | rightPollFdReadwrite | rightSockShutdown
	rightsListener = rightFdFdstatSetFlags | rightFdFilestatGet |
		rightPollFdReadwrite | rightSockAccept
)

// Filetypes.
const (
	filetypeUnknown         uint8 = 0
	filetypeBlockDevice     uint8 = 1
	filetypeCharacterDevice uint8 = 2
	filetypeDirectory       uint8 = 3
	filetypeRegularFile     uint8 = 4
	filetypeSocketDgram     uint8 = 5
	filetypeSocketStream    uint8 = 6
	filetypeSymbolicLink    uint8 = 7
)

// fdflags.
const (
	fdflagAppend   uint16 = 1
	fdflagDsync    uint16 = 2
	fdflagNonblock uint16 = 4
	fdflagRsync    uint16 = 8
	fdflagSync     uint16 = 16
)

// oflags.
const (
	oflagCreat     uint16 = 1
	oflagDirectory uint16 = 2
	oflagExcl      uint16 = 4
	oflagTrunc     uint16 = 8
)

const lookupSymlinkFollow uint32 = 1

// fstflags.
const (
	fstAtim    uint16 = 1
	fstAtimNow uint16 = 2
	fstMtim    uint16 = 4
	fstMtimNow uint16 = 8
)

// Clock ids.
const (
	clockRealtime         uint32 = 0
	clockMonotonic        uint32 = 1
	clockProcessCputimeID uint32 = 2
	clockThreadCputimeID  uint32 = 3
)

// poll_oneoff.
const (
	eventtypeClock   uint8 = 0
	eventtypeFdRead  uint8 = 1
	eventtypeFdWrite uint8 = 2

	subclockAbstime uint16 = 1

	eventrwflagHangup uint16 = 1

	subscriptionSize = 48
	eventSize        = 32
)

// Sockets.
const (
	riflagRecvPeek    uint16 = 1
	riflagRecvWaitall uint16 = 2
	sdflagRd          uint8  = 1
	sdflagWr          uint8  = 2
)

// Struct sizes.
const (
	filestatSize = 64
	fdstatSize   = 24
	direntSize   = 24
	iovecSize    = 8
)
