// Countries by name: certificates carry ISO 3166-1 codes (alpha-2 in EU DCC, alpha-3 in DDCC and DIVOC).
// Names come from the browser (Intl.DisplayNames), so no name list is shipped; alpha-3 is mapped to alpha-2.

// alpha-3 + alpha-2, five letters each (the same table as vaxcert.formats.countries).
const PAIRS = `
AFGAF ALAAX ALBAL DZADZ ASMAS ANDAD AGOAO AIAAI ATAAQ ATGAG ARGAR ARMAM ABWAW AUSAU AUTAT AZEAZ BHSBS BHRBH
BGDBD BRBBB BLRBY BELBE BLZBZ BENBJ BMUBM BTNBT BOLBO BESBQ BIHBA BWABW BVTBV BRABR IOTIO BRNBN BGRBG BFABF
BDIBI CPVCV KHMKH CMRCM CANCA CYMKY CAFCF TCDTD CHLCL CHNCN CXRCX CCKCC COLCO COMKM COGCG CODCD COKCK CRICR
CIVCI HRVHR CUBCU CUWCW CYPCY CZECZ DNKDK DJIDJ DMADM DOMDO ECUEC EGYEG SLVSV GNQGQ ERIER ESTEE SWZSZ ETHET
FLKFK FROFO FJIFJ FINFI FRAFR GUFGF PYFPF ATFTF GABGA GMBGM GEOGE DEUDE GHAGH GIBGI GRCGR GRLGL GRDGD GLPGP
GUMGU GTMGT GGYGG GINGN GNBGW GUYGY HTIHT HMDHM VATVA HNDHN HKGHK HUNHU ISLIS INDIN IDNID IRNIR IRQIQ IRLIE
IMNIM ISRIL ITAIT JAMJM JPNJP JEYJE JORJO KAZKZ KENKE KIRKI PRKKP KORKR KWTKW KGZKG LAOLA LVALV LBNLB LSOLS
LBRLR LBYLY LIELI LTULT LUXLU MACMO MDGMG MWIMW MYSMY MDVMV MLIML MLTMT MHLMH MTQMQ MRTMR MUSMU MYTYT MEXMX
FSMFM MDAMD MCOMC MNGMN MNEME MSRMS MARMA MOZMZ MMRMM NAMNA NRUNR NPLNP NLDNL NCLNC NZLNZ NICNI NERNE NGANG
NIUNU NFKNF MKDMK MNPMP NORNO OMNOM PAKPK PLWPW PSEPS PANPA PNGPG PRYPY PERPE PHLPH PCNPN POLPL PRTPT PRIPR
QATQA REURE ROURO RUSRU RWARW BLMBL SHNSH KNAKN LCALC MAFMF SPMPM VCTVC WSMWS SMRSM STPST SAUSA SENSN SRBRS
SYCSC SLESL SGPSG SXMSX SVKSK SVNSI SLBSB SOMSO ZAFZA SGSGS SSDSS ESPES LKALK SDNSD SURSR SJMSJ SWESE CHECH
SYRSY TWNTW TJKTJ TZATZ THATH TLSTL TGOTG TKLTK TONTO TTOTT TUNTN TURTR TKMTM TCATC TUVTV UGAUG UKRUA AREAE
GBRGB USAUS UMIUM URYUY UZBUZ VUTVU VENVE VNMVN VGBVG VIRVI WLFWF ESHEH YEMYE ZMBZM ZWEZW XKXXK
`;
const ALPHA3 = new Map(PAIRS.split(/\s+/).filter(Boolean).map((p) => [p.slice(0, 3), p.slice(3)]));
let names = null;

/** ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code, else null. */
export function alpha2(code) {
  const upper = typeof code === "string" ? code.trim().toUpperCase() : "";
  if (/^[A-Z]{3}$/.test(upper)) return ALPHA3.get(upper) || null;
  return /^[A-Z]{2}$/.test(upper) ? upper : null;
}

/** "Jamaica" for "JM" or "JAM"; the code itself when the browser does not know it; null for nothing. */
export function countryName(code) {
  const value = typeof code === "string" ? code.trim() : "";
  if (!value) return null;
  const two = alpha2(value);
  if (!two) return value;
  try {
    names = names || new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });
    const name = names.of(two);
    return name && name !== two ? name : value;
  } catch {
    return value;
  }
}
